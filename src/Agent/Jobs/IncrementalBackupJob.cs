using System.Diagnostics;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;

namespace CausalEval.Dr.Agent.Jobs;

/// <summary>
/// The "incremental-backup" job: the files of this node's cluster changed since the parent backup, read where they lie (the
/// data directory is only readable on this host) and stored as backup <see cref="AgentJobRequest.BackupId"/> with its file list,
/// then its manifest, written last: until then the backup does not exist for the catalog. The parent's whole chain is checked
/// before anything starts; a backup of another timeline than the parent's is refused (a failover broke the chain: a full
/// backup starts the next). A rerun under the same job after the manifest exists reports it; one before takes it again.
/// </summary>
internal static class IncrementalBackupJob
{
    private const int PartBytes = 64 << 20;
    private const int PartsInFlight = 3;

    public static async Task<Func<Action<string>, Task<object>>> PrepareAsync(AgentSettings settings, AgentJobRequest request,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.BackupId) || string.IsNullOrWhiteSpace(request.ParentId))
        {
            throw new BadInputException("incremental-backup: backupId and parentId (the backup it builds on) are required");
        }

        if (Core.Requests.DrIds.BackupIdProblem(request.ParentId) is { } bad)
        {
            throw new BadInputException($"parentId: {bad}");
        }

        var store = settings.Store.CreateStore();
        var catalog = new BackupCatalog(store);
        if (await catalog.TryGetAsync(BackupKind.Database, request.BackupId, cancellationToken) is { } done)
        {
            return _ => Task.FromResult<object>(Summary(done, storedFiles: null, checkedFiles: null, patchedFiles: null, seconds: null));
        }

        var parent = await catalog.TryGetAsync(BackupKind.Database, request.ParentId, cancellationToken)
            ?? throw new BadInputException($"incremental-backup: parent {request.ParentId} is not a complete database backup in {store.Location}");
        await DatabaseBackupChain.LoadAsync(catalog, parent, cancellationToken); // a missing or corrupt ancestor refuses here
        var parentList = await DatabaseBackupChain.ParentListAsync(store, parent, cancellationToken);
        return async progress =>
        {
            var clock = Stopwatch.StartNew();
            var startedAt = DateTimeOffset.UtcNow;
            var archiveKey = DatabaseBackupChain.ArchiveKey(request.BackupId);
            var connection = DatabaseOptions.ConnectionString(settings.Host, settings.Port, Adapters.Postgres.PgCtl.OsUser, settings.DatabasePassword,
                timeoutSeconds: 10, commandTimeoutSeconds: 600);
            var taken = await IncrementalBackupWriter.TakeAsync(settings.DataDirectory, connection, request.BackupId, parentList, parent.Database!.StartLsn,
                store, archiveKey, PartBytes, PartsInFlight, progress, CancellationToken.None);
            if (taken.Timeline != parent.Database!.Timeline)
            {
                await PartedArchive.DeleteAsync(store, archiveKey, CancellationToken.None);
                throw new SafetyCheckRefusedException($"incremental-backup: the cluster is on timeline {taken.Timeline}, its parent {parent.BackupId} on " +
                    $"{parent.Database.Timeline}: a failover broke the chain, the next backup is a full one");
            }

            var filesKey = DatabaseBackupChain.FilesKey(request.BackupId);
            await store.PutJsonAsync(filesKey, taken.Files);
            var info = new DatabaseBackupInfo($"{settings.Node} {settings.Host}:{settings.Port}", taken.StartLsn, taken.StopLsn, taken.Timeline,
                DateTimeOffset.UtcNow, Math.Round(clock.Elapsed.TotalSeconds, 3), taken.StoredBytes, ParentId: parent.BackupId, FilesKey: filesKey);
            var manifest = new BackupManifest(request.BackupId, BackupKind.Database, startedAt, archiveKey, taken.ArchiveSizeBytes,
                ArchivePart.CombinedSha256(taken.Parts), "zstd", [], info, taken.Parts, taken.Frames);
            await catalog.WriteManifestAsync(manifest);
            return Summary(manifest, taken.StoredFiles, taken.CheckedFiles, taken.PatchedFiles,
                new { taken.Seconds.Checkpoint, taken.Seconds.Files, taken.Seconds.WalArchive });
        };
    }

    private static object Summary(BackupManifest manifest, long? storedFiles, long? checkedFiles, long? patchedFiles, object? seconds) => new
    {
        Seconds = seconds,
        manifest.BackupId, manifest.Database!.ParentId, manifest.ArchiveSizeBytes, StoredBytes = manifest.Database.UncompressedBytes, StoredFiles = storedFiles,
        CheckedFiles = checkedFiles, PatchedFiles = patchedFiles, manifest.Database.StartLsn, manifest.Database.StopLsn, manifest.Database.Timeline,
        manifest.Database.DurationSeconds, manifest.Database.CompletedAtUtc,
    };
}
