using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.FileStorage;

public sealed record RestoreFileObjectsInput(string PointId, string Region, string? Container, string Prefix, int FirstPart, int Parts);

public sealed record FileObjectsRestored(long Objects, long Bytes);

/// <summary>
/// Writes the objects of some of a point's state parts into the target, eight at a time: each content read from the backup
/// store checked against its SHA-256 before a byte is written. Idempotent: a repeat writes the same bytes again.
/// </summary>
public sealed class RestoreFileObjects(TopologyOptions topology, BackupCatalog catalog) : DrActivity<RestoreFileObjects, RestoreFileObjectsInput,
    FileObjectsRestored>
{
    public override async Task<FileObjectsRestored> RunAsync(TaskActivityContext context, RestoreFileObjectsInput input)
    {
        var backups = new FileBackupStore(catalog.Store);
        var point = await backups.RequirePointAsync(input.PointId);
        var target = FileStoreOf.Region(topology, input.Region, input.Container);
        var entries = new List<FileEntry>();
        foreach (var part in point.Parts.Skip(input.FirstPart).Take(input.Parts))
        {
            entries.AddRange((await backups.ReadPartAsync(part)).Where(e => e.Key.StartsWith(input.Prefix, StringComparison.Ordinal)));
        }

        long bytes = 0;
        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (entry, ct) =>
        {
            using var content = new MemoryStream();
            await backups.ReadContentAsync(entry.Sha256, content, ct);
            content.Position = 0;
            await target.PutAsync(entry.Key, content, ct);
            Interlocked.Add(ref bytes, entry.Size);
        });
        return new FileObjectsRestored(entries.Count, bytes);
    }
}
