using CausalEval.Dr.Adapters.ApplicationState;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>Snapshots sessions, the evaluation queue and the model cache into the store (manifest last). Idempotent.</summary>
public sealed class SnapshotApplicationState(BackupCatalog catalog, IOptions<ApplicationStateOptions> options)
    : DrActivity<SnapshotApplicationState, SnapshotInput, SnapshotTaken>
{
    public override async Task<SnapshotTaken> RunAsync(TaskActivityContext context, SnapshotInput input)
    {
        var kind = BackupKind.ApplicationState;
        if (await catalog.TryGetAsync(kind, input.BackupId) is { } done)
        {
            return new(kind, done.BackupId, done.ArchiveKey, done.ArchiveSizeBytes, done.Files.Count, AlreadyExisted: true);
        }

        var content = await LiveApplicationState.ReadAsync(options.Value);
        using var archive = new MemoryStream();
        var entries = await ApplicationStateArchive.PackAsync(content, archive);
        archive.Position = 0;
        var key = BackupCatalog.Prefix(kind, input.BackupId) + "state.tar.zst";
        var stored = await catalog.Store.PutAsync(key, archive);
        await catalog.WriteManifestAsync(new BackupManifest(input.BackupId, kind, input.TakenAtUtc, key, stored.SizeBytes, stored.Sha256!, "zstd", entries));
        var counts = new Dictionary<string, int>
        {
            ["sessions"] = content.Sessions.Count,
            ["sessionsWithExpiry"] = content.SessionExpiresAtMs.Count,
            ["queueLength"] = content.Queue.Count,
            ["modelCacheFiles"] = content.ModelCache.Count,
        };
        return new(kind, input.BackupId, key, stored.SizeBytes, entries.Count, AlreadyExisted: false, counts);
    }
}
