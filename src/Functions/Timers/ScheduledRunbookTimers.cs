using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Azure.Functions.Worker;
using CausalEval.Dr.Orchestrations.Instances;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Functions.Timers;

/// <summary>
/// Timer triggers bound to the scheduled runbooks' settings (%Schedules:{Name}%), the same keys `dr serve`
/// fires. Attribute binding needs one method per schedule; a test checks there is exactly one per scheduled
/// runbook of the registry. Each occurrence starts one instance with a deterministic id.
/// </summary>
public sealed class ScheduledRunbookTimers(IConfiguration configuration, ILogger<ScheduledRunbookTimers> logger)
{
    [Function("DatabaseFullBackupTimer")]
    public Task DatabaseFullBackup([TimerTrigger("%Schedules:DatabaseFullBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync("DatabaseFullBackup", client);

    [Function("WalArchiveCheckTimer")]
    public Task WalArchiveCheck([TimerTrigger("%Schedules:WalArchiveCheck%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync("WalArchiveCheck", client);

    [Function("ConfigurationBackupTimer")]
    public Task ConfigurationBackup([TimerTrigger("%Schedules:ConfigurationBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync("ConfigurationBackup", client);

    [Function("ApplicationStateBackupTimer")]
    public Task ApplicationStateBackup([TimerTrigger("%Schedules:ApplicationStateBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync("ApplicationStateBackup", client);

    [Function("MetricsBackupTimer")]
    public Task MetricsBackup([TimerTrigger("%Schedules:MetricsBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync("MetricsBackup", client);

    [Function("LogsBackupTimer")]
    public Task LogsBackup([TimerTrigger("%Schedules:LogsBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync("LogsBackup", client);

    private async Task StartOccurrenceAsync(string scheduleName, DurableTaskClient client)
    {
        if (!RunbookRegistry.SchedulesEnabled(configuration))
        {
            return;
        }

        var started = await ScheduledOccurrence.StartLatestAsync(new DurableClientInstanceStarter(client), scheduleName, DateTime.UtcNow, configuration);
        logger.LogInformation(started.Started ? "Schedule {Name} started {InstanceId}" : "Schedule {Name}: occurrence {InstanceId} was already started",
            scheduleName, started.InstanceId);
    }
}
