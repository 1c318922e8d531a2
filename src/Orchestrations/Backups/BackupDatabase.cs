using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <param name="KeepDays">Retention of full backups for this run (default: <c>Retention:Database:KeepDays</c>, else the seed's 30 days).</param>
/// <param name="Source">"primary" (default) or "standby".</param>
/// <param name="WalWindowDays">The PITR window WAL is kept for (default: <c>Retention:Wal:KeepDays</c>, else the seed's 7 days).</param>
public sealed record BackupDatabaseInput(string? Trigger = null, double? KeepDays = null, string? Source = null, double? WalWindowDays = null)
    : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        KeepDays is <= 0 or > RequestLimits.MaxDays ? $"keepDays: {KeepDays} is outside (0, {RequestLimits.MaxDays}]"
        : WalWindowDays is <= 0 or > RequestLimits.MaxDays ? $"walWindowDays: {WalWindowDays} is outside (0, {RequestLimits.MaxDays}]"
        : Source is null or BackupSources.Primary or BackupSources.Standby ? null
        : $"source: '{Source}' is not a backup source (use '{BackupSources.Primary}' or '{BackupSources.Standby}')";
}

public sealed record BackupDatabaseResult(string BackupId, string Trigger, BaseBackupTaken Backup, RetentionOutcome Retention,
    WalRetentionOutcome WalRetention);

/// <summary>
/// Runbook: full database backup (seed: daily 02:00, keep 30 days; WAL kept for a 7-day recovery window).
/// 1. Stream a base backup of the primary (or the standby) into object storage, then write its manifest.
/// 2. Apply retention to database backups (never the newest, never the newest verified).
/// 3. Apply retention to archived WAL (never what the window or a retained backup needs).
/// </summary>
public sealed class BackupDatabase : Runbook<BackupDatabaseInput?, BackupDatabaseResult>
{
    protected override async Task<BackupDatabaseResult> RunStepsAsync(RunbookRun run, BackupDatabaseInput? input)
    {
        input ??= new BackupDatabaseInput();
        var backupId = run.Subject = BackupIds.For(run.Now, run.InstanceId);

        var backup = await run.StepAsync("base backup", TakeBaseBackup.Ref,
            new TakeBaseBackupInput(backupId, run.Now, input.Source ?? BackupSources.Primary), StepOptions.Retried);
        var retention = await run.StepAsync("retention", ApplyRetention.Ref,
            new ApplyRetentionInput(BackupKind.Database, null, input.KeepDays, run.Now), StepOptions.Retried);
        var walRetention = await run.StepAsync("wal retention", ApplyWalRetention.Ref,
            new ApplyWalRetentionInput(input.WalWindowDays, run.Now), StepOptions.Retried);

        run.Report("sizeBytes", backup.ArchiveSizeBytes);
        run.Report("uncompressedBytes", backup.UncompressedBytes);
        return new BackupDatabaseResult(backupId, run.Trigger, backup, retention, walRetention);
    }
}
