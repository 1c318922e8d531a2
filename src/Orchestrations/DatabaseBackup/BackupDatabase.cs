using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Activities.Postgres;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.DatabaseBackup;

/// <param name="KeepDays">Overrides the seed's retention (30 days) for this run.</param>
/// <param name="Source">"primary" (default) or "standby".</param>
public sealed record BackupDatabaseInput(string? Trigger = null, double? KeepDays = null, string? Source = null) : IValidatedInput
{
    public string? Validate() =>
        KeepDays <= 0 ? $"keepDays: {KeepDays} must be positive"
        : Source is null or BackupSources.Primary or BackupSources.Standby ? null
        : $"source: '{Source}' is not a backup source (use '{BackupSources.Primary}' or '{BackupSources.Standby}')";
}

public sealed record BackupDatabaseResult(string BackupId, string Trigger, BaseBackupTaken Backup, RetentionOutcome Retention);

/// <summary>
/// Runbook: full database backup (seed: daily 02:00, keep 30 days).
/// 1. Stream a base backup of the primary (or the standby) into object storage, then write its manifest.
/// 2. Apply retention to database backups (never the newest).
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

        var keepDays = input.KeepDays ?? ScheduleTable.Defaults["DatabaseFullBackup"].Retention.KeepFor!.Value.TotalDays;

        var backupId = BackupIds.For(context.CurrentUtcDateTime, context.InstanceId);
        context.SetCustomStatus(new { step = "base backup", backupId });
        var backup = await context.CallActivityAsync<BaseBackupTaken>(
            nameof(TakeBaseBackup), new TakeBaseBackupInput(backupId, context.CurrentUtcDateTime, input.Source ?? BackupSources.Primary), StepRetry.Default);

        context.SetCustomStatus(new { step = "retention", backupId });
        var retention = await context.CallActivityAsync<RetentionOutcome>(
            nameof(ApplyRetention), new ApplyRetentionInput(TakeBaseBackup.Kind, null, keepDays, context.CurrentUtcDateTime), StepRetry.Default);

        context.SetCustomStatus(new { step = "done", backupId });
        return new BackupDatabaseResult(backupId, input.Trigger ?? "manual", backup, retention);
    }
}
