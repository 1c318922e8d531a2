using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>Runbook: logs backup (seed: weekly, Sunday 00:00, keep 365): the files <c>LogsBackup:Paths</c> names (globs allowed).</summary>
public sealed class BackupLogs : SnapshotBackup
{
    protected override BackupKind Kind => BackupKind.Logs;

    protected override ActivityRef<SnapshotInput, SnapshotTaken> SnapshotActivity => SnapshotFiles.Ref;
}
