using DurableTask.Core;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>
/// The build target of <c>AddDurableTaskWorker</c>: receives the registry's task factory (from
/// DrTasks.Register, as any Durable Task worker would) and runs it on DTFx's TaskHubWorker.
/// </summary>
public sealed class TaskHubWorkerHost(
    string name,
    IDurableTaskFactory factory,
    IOptionsMonitor<DurableTaskWorkerOptions> workerOptions,
    LocalTaskHub hub,
    IServiceProvider services,
    ILoggerFactory loggerFactory) : DurableTaskWorker(name, factory)
{
    private readonly ILogger logger = loggerFactory.CreateLogger<TaskHubWorkerHost>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = workerOptions.Get(Name);
        options.DataConverter = LocalTaskHub.DataConverter;
        var shims = new DurableTaskShimFactory(options, loggerFactory);

        await hub.EnsureCreatedAsync();
        var worker = new TaskHubWorker(
            hub.Service,
            new ShimOrchestrationManager(Factory, shims, services),
            new ShimActivityManager(Factory, shims, services),
            loggerFactory)
        {
            // Activity failures reach orchestrators as TaskFailedException with FailureDetails, as on Functions.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        await worker.StartAsync();
        worker.TaskOrchestrationDispatcher.IncludeParameters = true;
        logger.LogInformation("Durable worker started on task hub {TaskHub} as {WorkerId}", hub.Settings.TaskHubName, hub.Settings.WorkerId);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }

        await worker.StopAsync(isForced: true);
    }
}
