using CausalEval.Dr.Adapters.ApplicationState;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Activities.ApplicationState;

public sealed record SnapshotApplicationStateInput(string BackupId, DateTimeOffset TakenAtUtc);

public sealed record ApplicationStateSnapshot(string BackupId, string ArchiveKey, long ArchiveSizeBytes, int Sessions, int QueueLength, int ModelCacheFiles, bool AlreadyExisted);

/// <summary>Snapshots sessions, the evaluation queue and the model cache into the store (manifest last). Idempotent.</summary>
public sealed class SnapshotApplicationState(BackupCatalog catalog, IOptions<ApplicationStateOptions> options)
    : TaskActivity<SnapshotApplicationStateInput, ApplicationStateSnapshot>
{
    public const string Kind = "application-state";

    public override async Task<ApplicationStateSnapshot> RunAsync(TaskActivityContext context, SnapshotApplicationStateInput input)
    {
        if (await catalog.TryGetAsync(Kind, input.BackupId) is { } done)
        {
            return new(done.BackupId, done.ArchiveKey, done.ArchiveSizeBytes, -1, -1, done.Files.Count(f => f.Path.StartsWith("model-cache/", StringComparison.Ordinal)), AlreadyExisted: true);
        }

        var content = await ApplicationStateArchive.ReadLiveAsync(options.Value);
        using var archive = new MemoryStream();
        var entries = await ApplicationStateArchive.PackAsync(content, archive);
        archive.Position = 0;
        var key = BackupCatalog.Prefix(Kind, input.BackupId) + "state.tar.zst";
        var stored = await catalog.Store.PutAsync(key, archive);
        await catalog.Store.ReadVerifiedAsync(key, Stream.Null);
        await catalog.WriteManifestAsync(new BackupManifest(input.BackupId, Kind, input.TakenAtUtc, key, stored.SizeBytes, stored.Sha256!, "zstd", entries));
        return new(input.BackupId, key, stored.SizeBytes, content.Sessions.Count, content.Queue.Count, content.ModelCache.Count, AlreadyExisted: false);
    }
}
