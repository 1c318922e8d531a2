using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>Runbook: application-state backup (seed: every 30 min, keep 3): user sessions, the evaluation queue, the model cache.</summary>
public sealed class BackupApplicationState : SnapshotBackup
{
    protected override BackupKind Kind => BackupKind.ApplicationState;

    protected override ActivityRef<SnapshotInput, SnapshotTaken> SnapshotActivity => SnapshotApplicationState.Ref;
}
