namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>An object of the framework's file storage as its listing shows it: what change detection compares.</summary>
/// <param name="ETag">The store's entity tag (an MD5 for a single-part S3 object, an opaque version for a blob), quotes removed.</param>
public sealed record FileObject(string Key, long Size, DateTimeOffset LastModified, string ETag);

/// <summary>One page of a listing, in key order; <see cref="Next"/> continues it (null: the listing is over).</summary>
public sealed record FileListingPage(IReadOnlyList<FileObject> Objects, string? Next);

/// <summary>
/// The framework's own object storage (evaluation artifacts, datasets, results): a plain bucket or container that the
/// application writes, not a backup store (<see cref="Storage.IObjectStore"/>, whose objects carry our checksums). Listed a
/// page at a time (millions of objects), read and written as they are.
/// </summary>
public interface IFileStore
{
    /// <summary>For logs and records (never a secret): s3://bucket, azure-blob://account/container.</summary>
    string Location { get; }

    /// <summary>
    /// Up to <paramref name="max"/> objects under <paramref name="prefix"/>, in ascending key order (UTF-8 bytes, as S3 and Blob
    /// storage both order), after <paramref name="after"/> (a continuation a previous page returned, which a resumed run may keep).
    /// </summary>
    Task<FileListingPage> ListPageAsync(string prefix, string? after, int max, CancellationToken cancellationToken = default);

    /// <summary>The object's bytes; null when it is gone (deleted since it was listed).</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Idempotent: a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>The store served bytes that do not match its own checksum of them (its ETag): this object cannot be read as it is now.</summary>
public sealed class UnreadableObjectException(string key, string store, Exception inner)
    : Exception($"{store}: '{key}' does not match the store's own checksum of it ({inner.Message})", inner)
{
    public string Key { get; } = key;
}
