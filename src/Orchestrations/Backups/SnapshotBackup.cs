using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <param name="KeepCount">Retention for this run (default: <c>Retention:{Kind}:KeepCount</c>, else the seed's count).</param>
public sealed record SnapshotBackupInput(string? Trigger = null, int? KeepCount = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() => KeepCount is < 1 or > RequestLimits.MaxCount ? $"keepCount: {KeepCount} is outside 1..{RequestLimits.MaxCount}" : null;
}

public sealed record SnapshotBackupResult(string BackupId, string Trigger, SnapshotTaken Snapshot, RetentionOutcome Retention);

/// <summary>
/// The shape of every snapshot backup (configuration, application state, metrics, logs):
/// 1. Snapshot what the kind names into one checksummed archive + manifest in object storage.
/// 2. Apply retention to backups of the kind (never the newest, never the newest verified).
/// </summary>
public abstract class SnapshotBackup : Runbook<SnapshotBackupInput?, SnapshotBackupResult>
{
    protected abstract BackupKind Kind { get; }

    /// <summary>The activity that takes the snapshot; it takes a <see cref="SnapshotInput"/>.</summary>
    protected abstract ActivityRef<SnapshotInput, SnapshotTaken> SnapshotActivity { get; }

    protected override async Task<SnapshotBackupResult> RunStepsAsync(RunbookRun run, SnapshotBackupInput? input)
    {
        input ??= new SnapshotBackupInput();
        var backupId = run.Subject = BackupIds.For(run.Now, run.InstanceId);

        var snapshot = await run.StepAsync("snapshot", SnapshotActivity, new SnapshotInput(Kind, backupId, run.Now), StepOptions.Retried);
        var retention = await run.StepAsync("retention", ApplyRetention.Ref,
            new ApplyRetentionInput(Kind, input.KeepCount, null, run.Now), StepOptions.Retried);

        run.Report("sizeBytes", snapshot.ArchiveSizeBytes);
        run.Report("files", snapshot.FileCount);
        return new SnapshotBackupResult(backupId, run.Trigger, snapshot, retention);
    }
}
