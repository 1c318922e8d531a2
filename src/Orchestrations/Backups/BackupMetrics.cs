using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>Runbook: metrics backup (seed: daily 01:00, keep 90): the files <c>MetricsBackup:Paths</c> names (globs allowed).</summary>
public sealed class BackupMetrics : SnapshotBackup
{
    protected override BackupKind Kind => BackupKind.Metrics;

    protected override ActivityRef<SnapshotInput, SnapshotTaken> SnapshotActivity => SnapshotFiles.Ref;
}
