using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// The catalog lives in the object store itself (<c>{kind}/{id}/manifest.json</c>), so it survives the
/// loss of whatever host wrote it. A backup is complete exactly when its manifest exists.
/// </summary>
public sealed class BackupCatalog(IObjectStore store)
{
    public IObjectStore Store => store;

    /// <summary>Every key of a backup goes through here: an id that is not one (a '..', a '/') never reaches the store.</summary>
    public static string Prefix(BackupKind kind, string backupId) => $"{kind}/{Core.Requests.DrIds.CheckedBackupId(backupId)}/";

    public static string ManifestKey(BackupKind kind, string backupId) => Prefix(kind, backupId) + "manifest.json";

    /// <summary>Written by a successful verify; the manifest itself never changes after it is written.</summary>
    public static string VerifiedKey(BackupKind kind, string backupId) => Prefix(kind, backupId) + "verified.json";

    /// <summary>The heartbeat of a running backup (see <see cref="BackupProgressRecord"/>).</summary>
    public static string ProgressKey(BackupKind kind, string backupId) => Prefix(kind, backupId) + "progress.json";

    public static string FailedKey(BackupKind kind, string backupId) => Prefix(kind, backupId) + "failed.json";

    public Task WriteProgressAsync(BackupProgressRecord progress, CancellationToken cancellationToken = default) =>
        PutJsonAsync(ProgressKey(progress.Kind, progress.BackupId), progress, cancellationToken);

    public Task MarkFailedAsync(BackupFailureRecord failure, CancellationToken cancellationToken = default) =>
        PutJsonAsync(FailedKey(failure.Kind, failure.BackupId), failure, cancellationToken);

    public async Task<BackupProgressRecord?> TryGetProgressAsync(BackupKind kind, string backupId, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(ProgressKey(kind, backupId), cancellationToken) is null
            ? null
            : await ReadJsonAsync<BackupProgressRecord>(ProgressKey(kind, backupId), cancellationToken);

    /// <summary>A rerun of a failed backup id clears the mark: it is running again.</summary>
    public Task ClearFailedAsync(BackupKind kind, string backupId, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(FailedKey(kind, backupId), cancellationToken);

    /// <summary>
    /// Every backup of a kind, newest first, whatever its state: complete/verified (manifest), failed
    /// (failure mark, or a heartbeat older than <see cref="BackupProgressRecord.StaleAfter"/>), running (fresh heartbeat),
    /// unreadable (one of its records could not be read: listed with the error, and the rest of the listing goes on).
    /// Only a manifest makes a backup complete, so one interrupted at any point never lists as complete.
    /// </summary>
    public async Task<IReadOnlyList<CatalogEntry>> ListAsync(BackupKind kind, DateTimeOffset nowUtc, CancellationToken cancellationToken = default)
    {
        var entries = new List<CatalogEntry>();
        var byId = (await store.ListAsync(kind.Name + "/", cancellationToken))
            .GroupBy(o => o.Key.Split('/')[1])
            .Select(g
                => (Id: g.Key, Files: g.Select(o => o.Key[(kind.Name.Length + g.Key.Length + 2)..]).ToHashSet(), LastWritten: g.Max(o => o.LastModified)));
        foreach (var (id, files, lastWritten) in byId)
        {
            try
            {
                entries.Add(await EntryAsync(kind, id, files, nowUtc, cancellationToken) with { LastWrittenUtc = lastWritten });
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                entries.Add(new(id, kind, BackupStatus.Unreadable, null, null, $"unreadable: {e.Message}", lastWritten));
            }
        }

        return entries.OrderByDescending(e => e.At).ToList();
    }

    private async Task<CatalogEntry> EntryAsync(BackupKind kind, string id, HashSet<string> files, DateTimeOffset nowUtc, CancellationToken cancellationToken)
    {
        var progress = files.Contains("progress.json") ? await ReadJsonAsync<BackupProgressRecord>(ProgressKey(kind, id), cancellationToken) : null;
        if (files.Contains("manifest.json"))
        {
            var manifest = await ReadManifestAsync(ManifestKey(kind, id), cancellationToken);
            return new(id, kind, files.Contains("verified.json") ? BackupStatus.Verified : BackupStatus.Complete, manifest, progress, null);
        }

        if (files.Contains("failed.json"))
        {
            var failure = await ReadJsonAsync<BackupFailureRecord>(FailedKey(kind, id), cancellationToken);
            return new(id, kind, BackupStatus.Failed, null, progress, failure.Error);
        }

        if (progress is not null && nowUtc - progress.UpdatedAtUtc <= BackupProgressRecord.StaleAfter)
        {
            return new(id, kind, BackupStatus.Running, null, progress, null);
        }

        return new(id, kind, BackupStatus.Failed, null, progress,
            progress is null ? "incomplete: no manifest and no heartbeat" : $"interrupted: no heartbeat since {progress.UpdatedAtUtc:O}");
    }

    public async Task<bool> IsVerifiedAsync(BackupKind kind, string backupId, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(VerifiedKey(kind, backupId), cancellationToken) is not null;

    public Task MarkVerifiedAsync(BackupKind kind, string backupId, string details, CancellationToken cancellationToken = default) =>
        PutJsonAsync(VerifiedKey(kind, backupId), new { verifiedAt = DateTimeOffset.UtcNow, details }, cancellationToken);

    /// <remarks>
    /// A manifest object with no recorded checksum is a write that never finished (a store whose PUT is not atomic,
    /// as s3rver's, keeps what a killed writer sent): the backup is not complete, and its rerun writes the manifest anew.
    /// </remarks>
    public async Task<BackupManifest?> TryGetAsync(BackupKind kind, string backupId, CancellationToken cancellationToken = default)
    {
        var key = ManifestKey(kind, backupId);
        return await store.GetInfoAsync(key, cancellationToken) is { Sha256: not null } ? await ReadManifestAsync(key, cancellationToken) : null;
    }

    /// <summary>The complete backups, newest first; one whose manifest cannot be read is left out (<see cref="ListAsync"/> reports it).</summary>
    public async Task<IReadOnlyList<BackupManifest>> ListCompleteAsync(BackupKind kind, CancellationToken cancellationToken = default)
    {
        var manifests = new List<BackupManifest>();
        foreach (var obj in await store.ListAsync(kind.Name + "/", cancellationToken))
        {
            if (obj.Key.EndsWith("/manifest.json", StringComparison.Ordinal))
            {
                try
                {
                    manifests.Add(await ReadManifestAsync(obj.Key, cancellationToken));
                }
                catch (Exception e) when (e is CorruptDataException or InvalidDataException or System.Text.Json.JsonException)
                {
                    // Unreadable: never restored from; ListAsync names it with its error.
                }
            }
        }

        return manifests.OrderByDescending(m => m.TakenAtUtc).ToList();
    }

    public Task WriteManifestAsync(BackupManifest manifest, CancellationToken cancellationToken = default) =>
        PutJsonAsync(ManifestKey(manifest.Kind, manifest.BackupId), manifest, cancellationToken);

    /// <summary>Deletes the manifest first: if deletion stops half-way the rest is an orphan, never a "complete" backup with missing parts.</summary>
    public async Task DeleteAsync(BackupKind kind, string backupId, CancellationToken cancellationToken = default)
    {
        await store.DeleteAsync(ManifestKey(kind, backupId), cancellationToken);
        foreach (var obj in await store.ListAsync(Prefix(kind, backupId), cancellationToken))
        {
            await store.DeleteAsync(obj.Key, cancellationToken);
        }
    }

    private Task<BackupManifest> ReadManifestAsync(string key, CancellationToken cancellationToken) =>
        ReadJsonAsync<BackupManifest>(key, cancellationToken);

    private Task<T> ReadJsonAsync<T>(string key, CancellationToken cancellationToken) => store.ReadJsonAsync<T>(key, cancellationToken);

    private Task PutJsonAsync<T>(string key, T value, CancellationToken cancellationToken) => store.PutJsonAsync(key, value, cancellationToken);
}
