using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>
/// Hands DTFx the Microsoft.DurableTask classes registered in DrTasks, wrapped by the SDK's shims.
/// Lookups ignore the version: DTFx schedules activities with their orchestration's version, and we
/// version nothing yet.
/// </summary>
internal sealed class ShimOrchestrationManager(IDurableTaskFactory factory, DurableTaskShimFactory shims, IServiceProvider services)
    : INameVersionObjectManager<TaskOrchestration>
{
    public void Add(ObjectCreator<TaskOrchestration> creator) =>
        throw new NotSupportedException("orchestrations are registered in DrTasks, not on the DTFx worker");

    public TaskOrchestration? GetObject(string name, string? version) =>
        factory.TryCreateOrchestrator(new TaskName(name), services, out var orchestrator)
            ? shims.CreateOrchestration(new TaskName(name), orchestrator)
            : null;
}

/// <summary>Each activity execution gets its own DI scope, disposed when the activity ends.</summary>
internal sealed class ShimActivityManager(IDurableTaskFactory factory, DurableTaskShimFactory shims, IServiceProvider services)
    : INameVersionObjectManager<TaskActivity>
{
    public void Add(ObjectCreator<TaskActivity> creator) =>
        throw new NotSupportedException("activities are registered in DrTasks, not on the DTFx worker");

    public TaskActivity? GetObject(string name, string? version)
    {
        var scope = services.CreateAsyncScope();
        if (!factory.TryCreateActivity(new TaskName(name), scope.ServiceProvider, out var activity))
        {
            scope.Dispose();
            return null;
        }

        return new ScopedActivity(name, shims.CreateActivity(new TaskName(name), activity), scope, services.GetRequiredService<ActivityHolds>());
    }

    private sealed class ScopedActivity(string name, TaskActivity inner, AsyncServiceScope scope, ActivityHolds holds) : TaskActivity
    {
        public override string Run(TaskContext context, string input) =>
            throw new NotSupportedException("the dispatcher calls RunAsync");

        public override async Task<string> RunAsync(TaskContext context, string input)
        {
            await using (scope)
            {
                await holds.BeforeAsync(name, context.OrchestrationInstance.InstanceId, input);
                return await inner.RunAsync(context, input);
            }
        }
    }
}
