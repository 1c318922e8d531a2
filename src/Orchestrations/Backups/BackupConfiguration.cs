using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>Runbook: configuration backup (seed: every 6 h, keep 14): the files <c>ConfigurationBackup:Paths</c> names.</summary>
public sealed class BackupConfiguration : SnapshotBackup
{
    protected override BackupKind Kind => BackupKind.Configuration;

    protected override ActivityRef<SnapshotInput, SnapshotTaken> SnapshotActivity => SnapshotFiles.Ref;
}
