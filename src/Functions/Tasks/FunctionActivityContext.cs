using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>
/// Runs a class-based activity from its [ActivityTrigger] wrapper, with the function's DI scope: what the
/// (unavailable here) Durable Task source generator would emit.
/// </summary>
internal sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
{
    public override TaskName Name { get; } = name;

    public override string InstanceId { get; } = instanceId;

    /// <param name="services">Services the function's bindings give the activity on top of DI (a durable client).</param>
    public static Task<TOutput> RunAsync<TActivity, TInput, TOutput>(FunctionContext function, TInput input, params object[] services)
        where TActivity : TaskActivity<TInput, TOutput>
    {
        var activity = ActivatorUtilities.CreateInstance<TActivity>(function.InstanceServices, services);
        var instanceId = function.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "";
        return activity.RunAsync(new FunctionActivityContext(new TaskName(typeof(TActivity).Name), instanceId), input);
    }
}
