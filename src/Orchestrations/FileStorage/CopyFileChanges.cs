using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.FileStorage;

public sealed record CopyFileChangesInput(string PointId, string Region, int MaxPages);

/// <summary>One step's batch, and the run's totals so far (for its progress line).</summary>
public sealed record FileScanStep(bool Listed, FileScanBatch Batch, long ObjectsSoFar, long CopiedSoFar);

/// <summary>
/// Goes on with a file-storage run where its saved progress says: up to <see cref="CopyFileChangesInput.MaxPages"/> listing
/// pages (and about a minute), each compared, copied and saved before the next. A repeat after a crash starts from the last
/// page saved: contents stored already are found by their hash and not copied again.
/// </summary>
public sealed class CopyFileChanges(TopologyOptions topology, BackupCatalog catalog, TimeProvider clock, ILogger<CopyFileChanges> logger)
    : DrActivity<CopyFileChanges, CopyFileChangesInput, FileScanStep>
{
    public override async Task<FileScanStep> RunAsync(TaskActivityContext context, CopyFileChangesInput input)
    {
        var scan = new FileStorageScan(FileStoreOf.Region(topology, input.Region), new FileBackupStore(catalog.Store));
        var progress = await scan.StartAsync(input.PointId, input.Region, clock.GetUtcNow());
        var (after, batch) = await scan.RunBatchAsync(progress, input.MaxPages, clock.GetUtcNow().AddMinutes(1), clock.GetUtcNow);
        logger.LogInformation("file-storage point {Point}: {Pages} pages, {Objects} objects ({Copied} copied, {Bytes} bytes); listed to the end: {Listed}",
            input.PointId, batch.Pages, batch.Objects, batch.CopiedObjects, batch.CopiedBytes, batch.Listed);
        return new FileScanStep(after.Listed, batch, after.Objects, after.CopiedObjects);
    }
}
