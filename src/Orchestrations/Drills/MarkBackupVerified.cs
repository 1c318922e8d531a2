using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

public sealed record MarkBackupVerifiedInput(string BackupId, string Details);

/// <summary>Records that a database backup was restored and its data checked (`dr backup list` shows it; idempotent).</summary>
public sealed class MarkBackupVerified(BackupCatalog catalog) : DrActivity<MarkBackupVerified, MarkBackupVerifiedInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, MarkBackupVerifiedInput input)
    {
        await catalog.MarkVerifiedAsync(BackupKind.Database, input.BackupId, input.Details);
        return true;
    }
}
