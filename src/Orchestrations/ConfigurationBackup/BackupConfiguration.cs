using CausalEval.Dr.Activities.ConfigurationBackup;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.ConfigurationBackup;

/// <param name="Trigger">Who asked: "manual", "schedule", ... (recorded, not interpreted).</param>
/// <param name="KeepCount">Overrides the seed's retention (14) for this run; at least 1.</param>
public sealed record BackupConfigurationInput(string? Trigger = null, int? KeepCount = null);

public sealed record BackupConfigurationResult(string BackupId, string Trigger, ConfigurationSnapshot Snapshot, RetentionOutcome Retention);

/// <summary>
/// Runbook: configuration backup (seed: every 6 h, keep 14).
/// 1. Snapshot the configured files into one checksummed archive + manifest in object storage.
/// 2. Apply retention to configuration backups.
/// The run is recorded, success or failure, for the backup success rate.
/// </summary>
public sealed class BackupConfiguration : TaskOrchestrator<BackupConfigurationInput?, BackupConfigurationResult>
{
    public override async Task<BackupConfigurationResult> RunAsync(TaskOrchestrationContext context, BackupConfigurationInput? input)
    {
        input ??= new BackupConfigurationInput();
        var trigger = input.Trigger ?? "manual";
        var policy = ScheduleTable.Defaults[ScheduleTable.ConfigurationBackup].Retention;
        var keep = input.KeepCount ?? policy.KeepCount!.Value;
        if (keep < 1)
        {
            throw new ArgumentException($"keepCount: {keep} must be at least 1");
        }

        var backupId = BackupIds.For(context.CurrentUtcDateTime, context.InstanceId);
        return await RecordedRun.RunAsync(context, SnapshotConfiguration.Kind, nameof(BackupConfiguration), backupId, trigger, async () =>
        {
            context.SetCustomStatus(new { step = "snapshot", backupId });
            var snapshot = await context.CallActivityAsync<ConfigurationSnapshot>(
                nameof(SnapshotConfiguration), new SnapshotConfigurationInput(backupId, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "retention", backupId });
            var retention = await context.CallActivityAsync<RetentionOutcome>(
                nameof(ApplyRetention), new ApplyRetentionInput(SnapshotConfiguration.Kind, keep, null, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "done", backupId });
            return (new BackupConfigurationResult(backupId, trigger, snapshot, retention), (long?)snapshot.ArchiveSizeBytes);
        });
    }
}
