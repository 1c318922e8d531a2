using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Functions.Timers;

/// <summary>
/// Timer triggers bound to the schedule table's settings (%Schedules:{Name}%), the same keys `dr serve`
/// fires. Each occurrence starts one instance with a deterministic id, so a retried timer does not start
/// a second backup.
/// </summary>
public sealed class ScheduledBackupTimers(IConfiguration configuration, ILogger<ScheduledBackupTimers> logger)
{
    [Function("ConfigurationBackupTimer")]
    public Task ConfigurationBackup([TimerTrigger("%Schedules:ConfigurationBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync(ScheduleTable.ConfigurationBackup, client);

    [Function("DatabaseFullBackupTimer")]
    public Task DatabaseFullBackup([TimerTrigger("%Schedules:DatabaseFullBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync(ScheduleTable.DatabaseFullBackup, client);

    [Function("ApplicationStateBackupTimer")]
    public Task ApplicationStateBackup([TimerTrigger("%Schedules:ApplicationStateBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync(ScheduleTable.ApplicationStateBackup, client);

    [Function("DatabaseIncrementalBackupTimer")]
    public Task DatabaseIncrementalBackup([TimerTrigger("%Schedules:DatabaseIncrementalBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync(ScheduleTable.DatabaseIncrementalBackup, client);

    [Function("MetricsBackupTimer")]
    public Task MetricsBackup([TimerTrigger("%Schedules:MetricsBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync(ScheduleTable.MetricsBackup, client);

    [Function("LogsBackupTimer")]
    public Task LogsBackup([TimerTrigger("%Schedules:LogsBackup%")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartOccurrenceAsync(ScheduleTable.LogsBackup, client);

    private async Task StartOccurrenceAsync(string scheduleName, DurableTaskClient client)
    {
        var row = ScheduledRuns.LoadTable(configuration)[scheduleName];
        var occurrence = row.LatestOccurrenceAtOrBeforeUtc(DateTime.UtcNow) ?? DateTime.UtcNow;
        var run = ScheduledRuns.For(scheduleName, configuration)!;
        var instanceId = ScheduleTable.InstanceIdFor(scheduleName, occurrence);
        if (await client.GetInstanceAsync(instanceId) is not null)
        {
            logger.LogInformation("Schedule {Name}: occurrence {InstanceId} was already started", scheduleName, instanceId);
            return;
        }

        await client.ScheduleNewOrchestrationInstanceAsync(run.Orchestration, run.Input, new StartOrchestrationOptions(instanceId));
        logger.LogInformation("Schedule {Name} started {Orchestration} as {InstanceId}", scheduleName, run.Orchestration, instanceId);
    }
}
