using System.Security.Cryptography;
using System.Text.Json;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core;

namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>
/// The file-storage backups in the backup store, under <c>file-storage/</c>: each content once, named by its SHA-256
/// (<c>content/ab/abcd…</c>); state parts by theirs (<c>parts/{sha}.json</c>); one folder per point (<c>points/{id}/</c>: its
/// progress while it runs, its changes, and <c>point.json</c> when it is complete). Every read is checked against the hash
/// its name or its point recorded.
/// </summary>
public sealed class FileBackupStore(IObjectStore store)
{
    public const string Root = "file-storage/";

    public IObjectStore Store => store;

    public static string ContentKey(string sha256) => $"{Root}content/{sha256[..2]}/{sha256}";

    public static string PartKey(string sha256) => $"{Root}parts/{sha256}.json";

    public static string PointKey(string id) => $"{Root}points/{id}/point.json";

    public static string ProgressKey(string id) => $"{Root}points/{id}/progress.json";

    public static string ChangesKey(string id, int page) => $"{Root}points/{id}/changes/{page:000000}.json";

    /// <summary>Complete points, oldest first (ids sort by time).</summary>
    public async Task<IReadOnlyList<FilePoint>> ListPointsAsync(string? region = null, CancellationToken cancellationToken = default)
    {
        var points = new List<FilePoint>();
        foreach (var item in (await store.ListAsync($"{Root}points/", cancellationToken)).Where(i => i.Key.EndsWith("/point.json", StringComparison.Ordinal)))
        {
            var point = await store.ReadJsonAsync<FilePoint>(item.Key, cancellationToken);
            if (region is null || string.Equals(point.Region, region, StringComparison.OrdinalIgnoreCase))
            {
                points.Add(point);
            }
        }

        return points.OrderBy(p => p.TakenAt).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
    }

    /// <exception cref="Core.Errors.BadInputException">No complete point has that id.</exception>
    public async Task<FilePoint> RequirePointAsync(string id, CancellationToken cancellationToken = default) =>
        await FindPointAsync(id, cancellationToken) ?? throw new Core.Errors.BadInputException($"no complete file-storage point '{id}' in {store.Location}");

    public async Task<FilePoint?> FindPointAsync(string id, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(PointKey(id), cancellationToken) is null ? null : await store.ReadJsonAsync<FilePoint>(PointKey(id), cancellationToken);

    /// <summary>Stores a content unless the store holds it already (with that hash): true when it was copied.</summary>
    public async Task<bool> PutContentAsync(string sha256, Stream content, CancellationToken cancellationToken = default)
    {
        if (await store.GetInfoAsync(ContentKey(sha256), cancellationToken) is { Sha256: { } held } && held == sha256)
        {
            return false;
        }

        var stored = await store.PutAsync(ContentKey(sha256), content, cancellationToken);
        if (stored.Sha256 != sha256)
        {
            // The bytes changed between hashing and storing (a source rewritten under us): never keep a content under another's name.
            await store.DeleteAsync(ContentKey(sha256), CancellationToken.None);
            throw new ChecksumMismatchException(ContentKey(sha256), sha256, stored.Sha256 ?? "none");
        }

        return true;
    }

    /// <summary>Copies a content into <paramref name="destination"/>, refusing bytes that do not hash to its name.</summary>
    public Task ReadContentAsync(string sha256, Stream destination, CancellationToken cancellationToken = default) =>
        store.ReadVerifiedAsync(ContentKey(sha256), destination, sha256, cancellationToken);

    /// <summary>Stores a state part (once: its name is its hash) and returns its reference.</summary>
    public async Task<FilePartRef> PutPartAsync(IReadOnlyList<FileEntry> entries, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(entries, DrJson.Options);
        var sha = Convert.ToHexStringLower(SHA256.HashData(json));
        if (await store.GetInfoAsync(PartKey(sha), cancellationToken) is not { Sha256: { } held } || held != sha)
        {
            using var body = new MemoryStream(json);
            await store.PutAsync(PartKey(sha), body, cancellationToken);
        }

        return new FilePartRef(sha, entries[0].Key, entries[^1].Key, entries.Count);
    }

    public async Task<IReadOnlyList<FileEntry>> ReadPartAsync(FilePartRef part, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream();
        await store.ReadVerifiedAsync(PartKey(part.Sha256), body, part.Sha256, cancellationToken);
        return JsonSerializer.Deserialize<List<FileEntry>>(body.ToArray(), DrJson.Options)
            ?? throw new InvalidDataException($"state part {part.Sha256} is empty");
    }

    /// <summary>Every object of a point's state under <paramref name="prefix"/>, in key order.</summary>
    public async IAsyncEnumerable<FileEntry> StateAsync(FilePoint point, string prefix = "",
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var part in point.Parts)
        {
            if (prefix.Length > 0 && FileStores.CompareKeys(part.Last, prefix) < 0)
            {
                continue;
            }

            foreach (var entry in await ReadPartAsync(part, cancellationToken))
            {
                if (entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return entry;
                }
            }
        }
    }
}
