using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.FileStorage;

/// <param name="Since">When the service could first write to the target (db. moved there): what the target holds from then on is the
/// service's own and is never overwritten or deleted.</param>
public sealed record CatchUpFilesInput(string From, string To, DateTimeOffset Since);

/// <param name="Reference">"live" (the old region's store still answered: nothing lost) or the point restored from.</param>
/// <param name="LossWindowSeconds">With a point: from when it was taken to <see cref="CatchUpFilesInput.Since"/>, the file-storage RPO of
/// this failover (changes the old store took in that window are lost with it); 0 when live; null when there is nothing to restore from.</param>
public sealed record FilesCaughtUp(bool Declared, string Reference, long Copied, long Deleted, long KeptNewer, double? LossWindowSeconds,
    DateTimeOffset? PointTakenAt, string Summary);

/// <summary>
/// Makes the target region's file store hold what the service had: from the old region's store if it still answers (every
/// object it has that the target lacks or holds older bytes of), else from the newest file-storage point (contents checked
/// against their SHA-256), and the loss window reported. Objects the service wrote to the target since it moved there are
/// kept as they are; stale ones the reference lacks are deleted. Idempotent: a repeat copies what is still missing.
/// </summary>
public sealed class CatchUpFiles(TopologyOptions topology, BackupCatalog catalog, ILogger<CatchUpFiles> logger)
    : DrActivity<CatchUpFiles, CatchUpFilesInput, FilesCaughtUp>
{
    /// <summary>Stores stamp objects to the second: anything from this close before the move counts as the service's new write.</summary>
    private static readonly TimeSpan StampSlack = TimeSpan.FromSeconds(2);

    public override async Task<FilesCaughtUp> RunAsync(TaskActivityContext context, CatchUpFilesInput input)
    {
        if (topology.Regions.GetValueOrDefault(input.To)?.Files is null)
        {
            return new FilesCaughtUp(false, "none", 0, 0, 0, null, null, $"region {input.To} declares no file storage");
        }

        var target = FileStoreOf.Region(topology, input.To);
        var newSince = input.Since - StampSlack;
        var held = new Dictionary<string, FileObject>(StringComparer.Ordinal);
        await foreach (var o in target.ListAllAsync())
        {
            held[o.Key] = o;
        }

        var source = topology.Regions.GetValueOrDefault(input.From)?.Files is null ? null : FileStoreOf.Region(topology, input.From);
        if (source is not null && await AnswersAsync(source))
        {
            var (copied, kept, seen) = await CopyAsync(source.ListAllAsync().Select(o => (o.Key, o.Size, o.ETag, (string?)null)), held, newSince,
                async (key, _) =>
                {
                    // Buffered: a store's response stream may not say its length, which an upload needs.
                    await using var body = await source.OpenReadAsync(key);
                    if (body is null)
                    {
                        return null;
                    }

                    var bytes = new MemoryStream();
                    await body.CopyToAsync(bytes);
                    bytes.Position = 0;
                    return bytes;
                }, target);
            var deleted = await DeleteStaleAsync(target, held, seen, newSince);
            return new FilesCaughtUp(true, "live", copied, deleted, kept, 0, null, $"from {source.Location}: {copied} copied, {deleted} stale deleted");
        }

        var backups = new FileBackupStore(catalog.Store);
        var point = (await backups.ListPointsAsync()).LastOrDefault();
        if (point is null)
        {
            logger.LogError("Files of {From} lost: its store does not answer and no file-storage point exists", input.From);
            return new FilesCaughtUp(true, "none", 0, 0, held.Count, null, null,
                $"{input.From}'s file store does not answer and there is no file-storage point: its files are lost");
        }

        var (restored, newer, inPoint) = await CopyAsync(backups.StateAsync(point).Select(e => (e.Key, e.Size, e.ETag, (string?)e.Sha256)), held, newSince,
            async (_, sha) =>
            {
                var bytes = new MemoryStream();
                await backups.ReadContentAsync(sha!, bytes);
                bytes.Position = 0;
                return bytes;
            }, target);
        var removed = await DeleteStaleAsync(target, held, inPoint, newSince);
        var loss = Math.Max(0, (input.Since - point.TakenAt).TotalSeconds);
        return new FilesCaughtUp(true, point.Id, restored, removed, newer, Math.Round(loss, 3), point.TakenAt,
            $"{input.From}'s store does not answer: point {point.Id} restored ({restored} copied, {removed} stale deleted); changes of the last {loss:0} s " +
            "before the move are lost");
    }

    /// <summary>
    /// A move's catch-up, awaited and reported in its run record (files copied, the file-storage RPO); its failure is in the record and
    /// returns null: a service that serves again is not undone for its files.
    /// </summary>
    public static async Task<FilesCaughtUp?> ReportAsync(RunbookRun run, Task<FilesCaughtUp> catchUp)
    {
        FilesCaughtUp? caughtUp;
        try
        {
            caughtUp = await catchUp;
        }
        catch (Core.Errors.StepFailedException)
        {
            return null;
        }

        if (caughtUp is { Declared: true })
        {
            run.Report("filesCopied", caughtUp.Copied);
            if (caughtUp.LossWindowSeconds is { } window)
            {
                run.Report("fileStorageRpoSeconds", window);
            }
        }

        return caughtUp;
    }

    private static async Task<bool> AnswersAsync(IFileStore store)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await store.ListPageAsync("", null, 1, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>Copies each reference object the target lacks or holds other bytes of (same size and ETag: the same bytes), unless the service
    /// wrote it there since the move; eight at a time (a failover waits for this before it reports).</summary>
    private static async Task<(long Copied, long KeptNewer, HashSet<string> Seen)> CopyAsync(
        IAsyncEnumerable<(string Key, long Size, string ETag, string? Sha256)> reference, Dictionary<string, FileObject> held, DateTimeOffset newSince,
        Func<string, string?, Task<Stream?>> open, IFileStore target)
    {
        long copied = 0, kept = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(reference, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (o, ct) =>
        {
            lock (seen)
            {
                seen.Add(o.Key);
            }

            if (held.TryGetValue(o.Key, out var there))
            {
                if (there.Size == o.Size && there.ETag == o.ETag)
                {
                    return; // the same bytes, a repeat's own copy included
                }

                if (there.LastModified >= newSince)
                {
                    Interlocked.Increment(ref kept);
                    return;
                }
            }

            try
            {
                await using var body = await open(o.Key, o.Sha256);
                if (body is null)
                {
                    return; // deleted in the live source since it was listed
                }

                // Not cancelled when a sibling fails: a put cut off midway could leave a partial object that, stamped after the move,
                // a repeat would keep as the service's own.
                await target.PutAsync(o.Key, body, CancellationToken.None);
                Interlocked.Increment(ref copied);
            }
            catch (UnreadableObjectException)
            {
                // The live store serves bytes that fail its own checksum: the next file-storage run names it; the rest is copied.
            }
        });

        return (copied, kept, seen);
    }

    private static async Task<long> DeleteStaleAsync(IFileStore target, Dictionary<string, FileObject> held, HashSet<string> reference,
        DateTimeOffset newSince)
    {
        long deleted = 0;
        foreach (var stale in held.Values.Where(o => !reference.Contains(o.Key) && o.LastModified < newSince))
        {
            await target.DeleteAsync(stale.Key);
            deleted++;
        }

        return deleted;
    }
}
