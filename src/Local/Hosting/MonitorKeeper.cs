using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Orchestrations.Alerts;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>
/// `dr serve`: every 10 s, <see cref="FixedIdKeeper"/> keeps the monitor runbooks that run under a fixed id running, each
/// when its setting is on (the health monitor: Monitor:Enabled; the alert evaluator: Alerts:Enabled), as the Functions
/// app's keeper timer does.
/// </summary>
public sealed class MonitorKeeper(TaskHubInstanceStarter hub, IOptions<MonitorOptions> options, IOptions<AlertOptions> alerts, IConfiguration configuration,
    ILogger<MonitorKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var kept = RunbookRegistry.KeptRunningBy(configuration).ToList();
        if (options.Value.Enabled && options.Value.Problems().FirstOrDefault() is { } problem)
        {
            logger.LogError("Health monitor not started: {Problem}", problem);
            kept.RemoveAll(r => r.Orchestrator == typeof(HealthMonitor));
        }

        if (alerts.Value.Enabled && alerts.Value.Problems().FirstOrDefault() is { } wrong)
        {
            logger.LogError("Alert evaluator not started: {Problem}", wrong);
            kept.RemoveAll(r => r.Orchestrator == typeof(AlertEvaluator));
        }

        if (kept.Count == 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var monitor in kept)
            {
                try
                {
                    var done = await FixedIdKeeper.KeepAsync(hub, monitor, RunbookRegistry.StartVersion(monitor, configuration), input: null, stoppingToken);
                    if (done != "running")
                    {
                        logger.LogInformation("{Runbook}: {Done}", monitor.Name, done);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("{Runbook} check failed: {Error}", monitor.Name, e.Message);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(10), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
