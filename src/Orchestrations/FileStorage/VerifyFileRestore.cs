using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileStorage;

public sealed record CheckFileRestoreInput(string PointId, string Region, string? Container, string Prefix);

/// <param name="Extra">Objects the target had that the point has not (removed, for <see cref="RemoveExtraFiles"/>).</param>
public sealed record FileRestoreCheck(long Matching, long Extra, string Summary);

/// <summary>The target's listing against the point's state: every key there with its size, nothing more (a failure names what differs).</summary>
public sealed class VerifyFileRestore(TopologyOptions topology, BackupCatalog catalog) : DrActivity<VerifyFileRestore, CheckFileRestoreInput, FileRestoreCheck>
{
    public override async Task<FileRestoreCheck> RunAsync(TaskActivityContext context, CheckFileRestoreInput input)
    {
        var backups = new FileBackupStore(catalog.Store);
        var point = await backups.RequirePointAsync(input.PointId);
        var target = FileStoreOf.Region(topology, input.Region, input.Container);
        var difference = await FileStateDiff.CompareAsync(target, backups, point, input.Prefix);
        return difference.Same ? new FileRestoreCheck(difference.Matching, 0, difference.Describe())
            : throw new CorruptDataException($"{target.Location} is not the state of point {point.Id}: {difference.Describe()}");
    }
}
