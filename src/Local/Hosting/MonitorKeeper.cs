using CausalEval.Dr.Activities.Monitor;
using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Registry;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>
/// `dr serve` with <c>Monitor:Enabled</c>: keeps the one health monitor instance running. Starts it when it is
/// missing or ended (a crash of an earlier host, a terminate), and leaves a running one alone, so restarting
/// `dr serve` never makes a second. Only a HealthMonitor counts as the monitor: anything else under its id is ended.
/// </summary>
public sealed class MonitorKeeper(LocalTaskHub hub, IOptions<MonitorOptions> options, ILogger<MonitorKeeper> logger) : BackgroundService
{
    private static readonly OrchestrationStatus[] Active = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Suspended];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        if (options.Value.Problems().FirstOrDefault() is { } problem)
        {
            logger.LogError("Health monitor not started: {Problem}", problem);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var state = await hub.Client.GetOrchestrationStateAsync(HealthMonitor.InstanceId);
                if (state is not null && Active.Contains(state.OrchestrationStatus) && state.Name != nameof(HealthMonitor))
                {
                    // Something else under the monitor's id (started before ids were reserved) would keep it from running.
                    logger.LogWarning("Instance {Id} runs {Name}, not the health monitor: terminating it", HealthMonitor.InstanceId, state.Name);
                    await hub.Client.TerminateInstanceAsync(state.OrchestrationInstance, "the health monitor's id is reserved for the health monitor");
                    await hub.Client.WaitForOrchestrationAsync(state.OrchestrationInstance, TimeSpan.FromSeconds(30));
                    state = await hub.Client.GetOrchestrationStateAsync(HealthMonitor.InstanceId);
                }

                if (state is null || !Active.Contains(state.OrchestrationStatus))
                {
                    await hub.Client.CreateOrchestrationInstanceAsync(nameof(HealthMonitor), RunbookRegistry.Find(typeof(HealthMonitor))!.Version, HealthMonitor.InstanceId, new HealthMonitorInput(), null, Active);
                    logger.LogInformation("Health monitor started ({Previous})", state?.OrchestrationStatus.ToString() ?? "new");
                }
            }
            catch (OrchestrationAlreadyExistsException)
            {
                // Started meanwhile: fine.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Health monitor check failed: {Error}", e.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(10), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
