using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileStorage;

public sealed record PlanFileBackupInput(string PointId, string? Region, DateTime TakenAt);

/// <param name="Parent">The point this run is compared with (null: the region's first; every object is read).</param>
public sealed record FileBackupPlan(string PointId, string Region, string Source, string? Parent);

/// <summary>
/// The region whose files are backed up (the serving one unless named) and its store, checked before anything is written;
/// then the run's progress is created (or found, on a repeat), naming the point it is compared with.
/// </summary>
public sealed class PlanFileBackup(ServingPrimaryStore state, TopologyOptions topology, BackupCatalog catalog)
    : DrActivity<PlanFileBackup, PlanFileBackupInput, FileBackupPlan>
{
    public override async Task<FileBackupPlan> RunAsync(TaskActivityContext context, PlanFileBackupInput input)
    {
        var region = input.Region ?? ServingPrimaryStore.ServingOf(await state.ReadAsync(), topology).Region;
        var source = FileStoreOf.Region(topology, region);
        var progress = await new FileStorageScan(source, new FileBackupStore(catalog.Store)).StartAsync(input.PointId, region, input.TakenAt);
        return new FileBackupPlan(input.PointId, region, source.Location, progress.Parent);
    }
}
