using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Activities.Runs;

/// <summary>Stores one run record (success or failure) for the backup success rate. Idempotent: same run, same key.</summary>
public sealed class RecordBackupRun(BackupCatalog catalog) : TaskActivity<BackupRunRecord, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackupRunRecord input)
    {
        await catalog.WriteRunAsync(input);
        return true;
    }
}
