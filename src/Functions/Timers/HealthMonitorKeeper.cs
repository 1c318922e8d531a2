using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Functions.Timers;

/// <summary>
/// Every minute <see cref="FixedIdKeeper"/> keeps the monitor runbooks that run under a fixed id running, each when its
/// setting is on (the health monitor: Monitor:Enabled; the alert evaluator: Alerts:Enabled), as `dr serve` does.
/// </summary>
public sealed class HealthMonitorKeeper(IConfiguration configuration, ILogger<HealthMonitorKeeper> logger)
{
    [Function("HealthMonitorKeeperTimer")]
    public async Task KeepAsync([TimerTrigger("0 */1 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client)
    {
        foreach (var monitor in RunbookRegistry.KeptRunningBy(configuration))
        {
            var done = await FixedIdKeeper.KeepAsync(new DurableClientInstanceStarter(client), monitor, RunbookRegistry.StartVersion(monitor, configuration),
                input: null,
                CancellationToken.None);
            if (done != "running")
            {
                logger.LogInformation("{Runbook}: {Done}", monitor.Name, done);
            }
        }
    }
}
