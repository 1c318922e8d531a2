using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileStorage;

public sealed record SealFilePointInput(string PointId, string Region);

/// <summary>A point as runs and `dr backup list` show it (its state parts stay in the store).</summary>
public sealed record FilePointSummary(string Id, string Region, string Source, DateTimeOffset TakenAt, DateTimeOffset CompletedAt, string? Parent,
    long Objects, long Bytes, long Added, long Changed, long Deleted, long CopiedObjects, long CopiedBytes, int Parts)
{
    public static FilePointSummary Of(FilePoint p) => new(p.Id, p.Region, p.Source, p.TakenAt, p.CompletedAt, p.Parent, p.Objects, p.Bytes, p.Added,
        p.Changed, p.Deleted, p.CopiedObjects, p.CopiedBytes, p.Parts.Count);
}

/// <summary>Writes the point's last part and its <c>point.json</c>, after which it lists as complete. Idempotent: a sealed point is returned as
/// it is.</summary>
public sealed class SealFilePoint(TopologyOptions topology, BackupCatalog catalog, TimeProvider clock) : DrActivity<SealFilePoint, SealFilePointInput,
    FilePointSummary>
{
    public override async Task<FilePointSummary> RunAsync(TaskActivityContext context, SealFilePointInput input)
    {
        var backups = new FileBackupStore(catalog.Store);
        if (await backups.FindPointAsync(input.PointId) is { } done)
        {
            return FilePointSummary.Of(done);
        }

        if (await catalog.Store.GetInfoAsync(FileBackupStore.ProgressKey(input.PointId)) is null)
        {
            throw new CorruptDataException($"file-storage point {input.PointId} has neither a point nor its progress in {catalog.Store.Location}");
        }

        var scan = new FileStorageScan(FileStoreOf.Region(topology, input.Region), backups);
        var progress = await scan.StartAsync(input.PointId, input.Region, clock.GetUtcNow());
        return FilePointSummary.Of(await scan.SealAsync(progress, clock.GetUtcNow()));
    }
}
