using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileBackup;

/// <param name="KeepCount">Overrides the seed's retention (90) for this run.</param>
public sealed record BackupFilesInput(string? Trigger = null, int? KeepCount = null) : IValidatedInput
{
    public string? Validate() => KeepCount < 1 ? $"keepCount: {KeepCount} must be at least 1" : null;
}

public sealed record BackupFilesResult(string BackupId, string Trigger, FileSetSnapshot Snapshot, RetentionOutcome Retention);

/// <summary>
/// Runbook: metrics backup (seed: daily 01:00, keep 90).
/// 1. Snapshot the files MetricsBackup:Paths names into one checksummed archive + manifest.
/// 2. Apply retention to metrics backups.
/// The run is recorded, success or failure, for the backup success rate.
/// </summary>
public sealed class BackupMetrics : TaskOrchestrator<BackupFilesInput?, BackupFilesResult>
{
    public override Task<BackupFilesResult> RunAsync(TaskOrchestrationContext context, BackupFilesInput? input) =>
        FileSetRunbook.RunAsync(context, input, FileSets.Metrics.Kind, nameof(BackupMetrics), ScheduleTable.Defaults[ScheduleTable.MetricsBackup].Retention.KeepCount!.Value);
}

/// <summary>
/// Runbook: logs backup (seed: weekly, Sunday 00:00, keep 365).
/// 1. Snapshot the files LogsBackup:Paths names into one checksummed archive + manifest.
/// 2. Apply retention to logs backups.
/// The run is recorded, success or failure, for the backup success rate.
/// </summary>
public sealed class BackupLogs : TaskOrchestrator<BackupFilesInput?, BackupFilesResult>
{
    public override Task<BackupFilesResult> RunAsync(TaskOrchestrationContext context, BackupFilesInput? input) =>
        FileSetRunbook.RunAsync(context, input, FileSets.Logs.Kind, nameof(BackupLogs), ScheduleTable.Defaults[ScheduleTable.LogsBackup].Retention.KeepCount!.Value);
}

/// <summary>The two steps metrics and logs backups share.</summary>
internal static class FileSetRunbook
{
    public static async Task<BackupFilesResult> RunAsync(TaskOrchestrationContext context, BackupFilesInput? input, string kind, string runbook, int defaultKeep)
    {
        input ??= new BackupFilesInput();
        if (input.Validate() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        var keep = input.KeepCount ?? defaultKeep;
        var trigger = input.Trigger ?? "manual";
        var backupId = BackupIds.For(context.CurrentUtcDateTime, context.InstanceId);
        return await RecordedRun.RunAsync(context, kind, runbook, backupId, trigger, async () =>
        {
            context.SetCustomStatus(new { step = "snapshot", backupId });
            var snapshot = await context.CallActivityAsync<FileSetSnapshot>(
                nameof(SnapshotFiles), new SnapshotFilesInput(kind, backupId, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "retention", backupId });
            var retention = await context.CallActivityAsync<RetentionOutcome>(
                nameof(ApplyRetention), new ApplyRetentionInput(kind, keep, null, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "done", backupId });
            return (new BackupFilesResult(backupId, trigger, snapshot, retention), (long?)snapshot.ArchiveSizeBytes);
        });
    }
}
