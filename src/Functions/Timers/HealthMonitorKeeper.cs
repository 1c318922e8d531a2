using CausalEval.Dr.Activities.Monitor;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Functions.Timers;

/// <summary>
/// With <c>Monitor:Enabled</c>, keeps the one health monitor instance running (as `dr serve` does): every
/// minute it starts the monitor when it is missing or ended, and leaves a running one alone; anything else running
/// under its id is ended.
/// </summary>
public sealed class HealthMonitorKeeper(IOptions<MonitorOptions> options, ILogger<HealthMonitorKeeper> logger)
{
    [Function("HealthMonitorKeeperTimer")]
    public async Task KeepAsync([TimerTrigger("0 */1 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var instance = await client.GetInstanceAsync(HealthMonitor.InstanceId);
        if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended })
        {
            if (instance.Name == nameof(HealthMonitor))
            {
                return;
            }

            // Something else under the monitor's id would keep it from ever running: end it; the next minute starts the monitor.
            logger.LogWarning("Instance {Id} runs {Name}, not the health monitor: terminating it", HealthMonitor.InstanceId, instance.Name);
            await client.TerminateInstanceAsync(HealthMonitor.InstanceId, "the health monitor's id is reserved for the health monitor");
            return;
        }

        await client.ScheduleNewOrchestrationInstanceAsync(nameof(HealthMonitor), new HealthMonitorInput(),
            new StartOrchestrationOptions(HealthMonitor.InstanceId) { Version = RunbookRegistry.Find(typeof(HealthMonitor))!.Version });
        logger.LogInformation("Health monitor started ({Previous})", instance?.RuntimeStatus.ToString() ?? "new");
    }
}
