namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// <c>Storage:ReadBackAfterUpload</c>: every upload is downloaded again and checked against its SHA-256
/// before it counts. Off by default: each store already checks the transfer with a checksum it computes
/// itself (MD5 per request), so this doubles the transfer for a guarantee the stores give; it is there for
/// a store that does not check (or a proxy in between that is not trusted).
/// </summary>
public sealed class ReadBackObjectStore(IObjectStore inner) : IObjectStore
{
    public string Location => inner.Location;

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var stored = await inner.PutAsync(key, content, cancellationToken);
        await inner.ReadVerifiedAsync(key, Stream.Null, cancellationToken);
        return stored;
    }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

    public Task ReadVerifiedAsync(string key, Stream destination, string? expectedSha256, CancellationToken cancellationToken = default) =>
        inner.ReadVerifiedAsync(key, destination, expectedSha256, cancellationToken);

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
        => inner.ListAsync(prefix, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string prefix, CancellationToken cancellationToken = default)
        => inner.ListUnfinishedAsync(prefix, cancellationToken);

    public Task RemoveUnfinishedAsync(UnfinishedUpload upload, CancellationToken cancellationToken = default)
        => inner.RemoveUnfinishedAsync(upload, cancellationToken);
}
