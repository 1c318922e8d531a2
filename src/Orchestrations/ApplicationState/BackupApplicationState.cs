using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.ApplicationState;

public sealed record BackupApplicationStateInput(string? Trigger = null, int? KeepCount = null);

public sealed record BackupApplicationStateResult(string BackupId, string Trigger, ApplicationStateSnapshot Snapshot, RetentionOutcome Retention);

/// <summary>
/// Runbook: application-state backup (seed: every 30 min, keep 3).
/// 1. Snapshot user sessions, the evaluation queue and the model cache.
/// 2. Apply retention.
/// The run is recorded, success or failure, for the backup success rate.
/// </summary>
public sealed class BackupApplicationState : TaskOrchestrator<BackupApplicationStateInput?, BackupApplicationStateResult>
{
    public override async Task<BackupApplicationStateResult> RunAsync(TaskOrchestrationContext context, BackupApplicationStateInput? input)
    {
        input ??= new BackupApplicationStateInput();
        var keep = input.KeepCount ?? ScheduleTable.Defaults[ScheduleTable.ApplicationStateBackup].Retention.KeepCount!.Value;
        if (keep < 1)
        {
            throw new ArgumentException($"keepCount: {keep} must be at least 1");
        }

        var backupId = BackupIds.For(context.CurrentUtcDateTime, context.InstanceId);
        var trigger = input.Trigger ?? "manual";
        return await RecordedRun.RunAsync(context, SnapshotApplicationState.Kind, nameof(BackupApplicationState), backupId, trigger, async () =>
        {
            context.SetCustomStatus(new { step = "snapshot", backupId });
            var snapshot = await context.CallActivityAsync<ApplicationStateSnapshot>(
                nameof(SnapshotApplicationState), new SnapshotApplicationStateInput(backupId, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "retention", backupId });
            var retention = await context.CallActivityAsync<RetentionOutcome>(
                nameof(ApplyRetention), new ApplyRetentionInput(SnapshotApplicationState.Kind, keep, null, context.CurrentUtcDateTime), StepRetry.Default);
            return (new BackupApplicationStateResult(backupId, trigger, snapshot, retention), (long?)snapshot.ArchiveSizeBytes);
        });
    }
}
