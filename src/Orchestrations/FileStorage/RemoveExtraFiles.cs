using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileStorage;

/// <summary>Deletes the target's objects under the prefix that the point has not: with replace, the target becomes the point's state.</summary>
public sealed class RemoveExtraFiles(TopologyOptions topology, BackupCatalog catalog) : DrActivity<RemoveExtraFiles, CheckFileRestoreInput, FileRestoreCheck>
{
    public override async Task<FileRestoreCheck> RunAsync(TaskActivityContext context, CheckFileRestoreInput input)
    {
        var backups = new FileBackupStore(catalog.Store);
        var point = await backups.RequirePointAsync(input.PointId);
        var target = FileStoreOf.Region(topology, input.Region, input.Container);
        var difference = await FileStateDiff.CompareAsync(target, backups, point, input.Prefix, extra => target.DeleteAsync(extra.Key));
        return new FileRestoreCheck(difference.Matching, difference.Extra, $"removed {difference.Extra} objects the point has not");
    }
}
