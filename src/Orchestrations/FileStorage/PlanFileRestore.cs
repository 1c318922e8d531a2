using System.Globalization;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileStorage;

public sealed record PlanFileRestoreInput(string At, string To, string Prefix, bool Replace);

/// <param name="Container">The target container or bucket (null: the region's own).</param>
/// <param name="Live">The target is the serving region's own file store: replacing it waits for an approval.</param>
public sealed record FileRestorePlan(string PointId, DateTimeOffset TakenAt, string Region, string? Container, string Target, string Prefix, bool Live,
    long Objects, int Parts);

/// <summary>
/// Chooses the point and checks the target before anything is written: a point id or a time (the newest point completed by
/// then); the target region and its store; objects already under the prefix refuse the restore unless it replaces them,
/// and the live store is refused without replace. Reads only.
/// </summary>
public sealed class PlanFileRestore(ServingPrimaryStore state, TopologyOptions topology, BackupCatalog catalog)
    : DrActivity<PlanFileRestore, PlanFileRestoreInput, FileRestorePlan>
{
    public override async Task<FileRestorePlan> RunAsync(TaskActivityContext context, PlanFileRestoreInput input)
    {
        var backups = new FileBackupStore(catalog.Store);
        var point = await FindAsync(backups, input.At);
        var to = input.To.Split('/');
        var (region, container) = (to[0], to.Length > 1 ? to[1] : null);
        var target = FileStoreOf.Region(topology, region, container);
        var serving = ServingPrimaryStore.ServingOf(await state.ReadAsync(), topology).Region;
        var live = string.Equals(region, serving, StringComparison.OrdinalIgnoreCase)
            && (container is null || container == topology.Regions[region].Files!.Container);
        if (live && !input.Replace)
        {
            throw new BadInputException($"{target.Location} is the live file store of the serving region {region}: restoring over it needs --replace " +
                "(and an approval); or restore beside it (--to {region}/CONTAINER)");
        }

        if (!input.Replace && (await target.ListPageAsync(input.Prefix, null, 1)).Objects is [var first, ..])
        {
            throw new BadInputException($"{target.Location} holds objects under '{input.Prefix}' already (e.g. {first.Key}): restore into an empty " +
                "container, or --replace to make it equal to the point");
        }

        return new FileRestorePlan(point.Id, point.TakenAt, region, container, target.Location, input.Prefix, live, point.Objects, point.Parts.Count);
    }

    private static async Task<FilePoint> FindAsync(FileBackupStore backups, string at)
    {
        if (await backups.FindPointAsync(at) is { } byId)
        {
            return byId;
        }

        if (!DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) || !at.Contains('T', StringComparison.Ordinal))
        {
            throw new BadInputException($"at: '{at}' is neither a complete file-storage point nor an ISO time (see `dr backup list --kind file-storage`)");
        }

        return (await backups.ListPointsAsync()).Where(p => p.CompletedAt <= time).MaxBy(p => p.CompletedAt)
            ?? throw new BadInputException($"at: no file-storage point was complete by {time:O}");
    }
}
