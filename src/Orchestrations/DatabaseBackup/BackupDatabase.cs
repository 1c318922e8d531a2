using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.DatabaseBackup;

/// <param name="KeepDays">Overrides the seed's retention of full backups (30 days) for this run.</param>
/// <param name="Source">"primary" (default) or "standby".</param>
/// <param name="WalWindowDays">Overrides the point-in-time recovery window WAL is kept for (seed: 7 days).</param>
public sealed record BackupDatabaseInput(string? Trigger = null, double? KeepDays = null, string? Source = null, double? WalWindowDays = null) : IValidatedInput
{
    public string? Validate() =>
        KeepDays <= 0 ? $"keepDays: {KeepDays} must be positive"
        : WalWindowDays <= 0 ? $"walWindowDays: {WalWindowDays} must be positive"
        : Source is null or BackupSources.Primary or BackupSources.Standby ? null
        : $"source: '{Source}' is not a backup source (use '{BackupSources.Primary}' or '{BackupSources.Standby}')";
}

public sealed record BackupDatabaseResult(string BackupId, string Trigger, BaseBackupTaken Backup, RetentionOutcome Retention, WalRetentionOutcome WalRetention);

/// <summary>
/// Runbook: full database backup (seed: daily 02:00, keep 30 days; WAL for a 7-day recovery window).
/// 1. Stream a base backup of the primary (or the standby) into object storage, then write its manifest.
/// 2. Apply retention to database backups (never the newest, never the newest verified).
/// 3. Apply retention to archived WAL (never what the window or a retained backup needs).
/// The run is recorded, success or failure, for the backup success rate.
/// </summary>
public sealed class BackupDatabase : TaskOrchestrator<BackupDatabaseInput?, BackupDatabaseResult>
{
    public override async Task<BackupDatabaseResult> RunAsync(TaskOrchestrationContext context, BackupDatabaseInput? input)
    {
        input ??= new BackupDatabaseInput();
        if (input.Validate() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        var keepDays = input.KeepDays ?? ScheduleTable.Defaults[ScheduleTable.DatabaseFullBackup].Retention.KeepFor!.Value.TotalDays;
        var walWindowDays = input.WalWindowDays ?? ScheduleTable.Defaults[ScheduleTable.DatabaseIncrementalBackup].Retention.KeepFor!.Value.TotalDays;
        var trigger = input.Trigger ?? "manual";
        var backupId = BackupIds.For(context.CurrentUtcDateTime, context.InstanceId);

        return await RecordedRun.RunAsync(context, TakeBaseBackup.Kind, nameof(BackupDatabase), backupId, trigger, async () =>
        {
            context.SetCustomStatus(new { step = "base backup", backupId });
            var backup = await context.CallActivityAsync<BaseBackupTaken>(
                nameof(TakeBaseBackup), new TakeBaseBackupInput(backupId, context.CurrentUtcDateTime, input.Source ?? BackupSources.Primary), StepRetry.Default);

            context.SetCustomStatus(new { step = "retention", backupId });
            var retention = await context.CallActivityAsync<RetentionOutcome>(
                nameof(ApplyRetention), new ApplyRetentionInput(TakeBaseBackup.Kind, null, keepDays, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "wal retention", backupId });
            var walRetention = await context.CallActivityAsync<WalRetentionOutcome>(
                nameof(ApplyWalRetention), new ApplyWalRetentionInput(walWindowDays, context.CurrentUtcDateTime), StepRetry.Default);

            context.SetCustomStatus(new { step = "done", backupId });
            return (new BackupDatabaseResult(backupId, trigger, backup, retention, walRetention), (long?)backup.ArchiveSizeBytes);
        });
    }
}
