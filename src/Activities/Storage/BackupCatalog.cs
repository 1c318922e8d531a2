using System.Text.Json;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Activities.Storage;

/// <summary>
/// The catalog lives in the object store itself (<c>{kind}/{id}/manifest.json</c>), so it survives the
/// loss of whatever host wrote it. A backup is complete exactly when its manifest exists.
/// </summary>
public sealed class BackupCatalog(IObjectStore store)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public IObjectStore Store => store;

    public static string Prefix(string kind, string backupId) => $"{kind}/{backupId}/";

    public static string ManifestKey(string kind, string backupId) => Prefix(kind, backupId) + "manifest.json";

    /// <summary>Written by a successful verify; the manifest itself never changes after it is written.</summary>
    public static string VerifiedKey(string kind, string backupId) => Prefix(kind, backupId) + "verified.json";

    public async Task<bool> IsVerifiedAsync(string kind, string backupId, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(VerifiedKey(kind, backupId), cancellationToken) is not null;

    public async Task MarkVerifiedAsync(string kind, string backupId, string details, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new { verifiedAt = DateTimeOffset.UtcNow, details }, Json));
        await store.PutAsync(VerifiedKey(kind, backupId), body, cancellationToken);
    }

    public async Task<BackupManifest?> TryGetAsync(string kind, string backupId, CancellationToken cancellationToken = default)
    {
        var key = ManifestKey(kind, backupId);
        return await store.GetInfoAsync(key, cancellationToken) is null ? null : await ReadManifestAsync(key, cancellationToken);
    }

    public async Task<IReadOnlyList<BackupManifest>> ListCompleteAsync(string kind, CancellationToken cancellationToken = default)
    {
        var manifests = new List<BackupManifest>();
        foreach (var obj in await store.ListAsync(kind + "/", cancellationToken))
        {
            if (obj.Key.EndsWith("/manifest.json", StringComparison.Ordinal))
            {
                manifests.Add(await ReadManifestAsync(obj.Key, cancellationToken));
            }
        }

        return manifests.OrderByDescending(m => m.TakenAtUtc).ToList();
    }

    public async Task WriteManifestAsync(BackupManifest manifest, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        await store.PutAsync(ManifestKey(manifest.Kind, manifest.BackupId), body, cancellationToken);
    }

    /// <summary>Deletes the manifest first: if deletion stops half-way the rest is an orphan, never a "complete" backup with missing parts.</summary>
    public async Task DeleteAsync(string kind, string backupId, CancellationToken cancellationToken = default)
    {
        await store.DeleteAsync(ManifestKey(kind, backupId), cancellationToken);
        foreach (var obj in await store.ListAsync(Prefix(kind, backupId), cancellationToken))
        {
            await store.DeleteAsync(obj.Key, cancellationToken);
        }
    }

    private async Task<BackupManifest> ReadManifestAsync(string key, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await store.ReadVerifiedAsync(key, buffer, cancellationToken);
        return JsonSerializer.Deserialize<BackupManifest>(buffer.ToArray(), Json)
            ?? throw new InvalidDataException($"manifest '{key}' is empty");
    }
}
