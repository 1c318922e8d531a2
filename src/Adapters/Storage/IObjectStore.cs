using CausalEval.Dr.Core.Errors;
namespace CausalEval.Dr.Adapters.Storage;

/// <summary>An object as the store lists it. <see cref="Sha256"/> is what was recorded at upload.</summary>
public sealed record StoredObject(string Key, long SizeBytes, string? Sha256, DateTimeOffset? LastModified);

/// <summary>
/// What an upload that never finished left behind (a killed process, a failed part): bytes that
/// <see cref="IObjectStore.ListAsync"/> never shows and no reader ever sees as the object.
/// </summary>
/// <param name="Key">The object the upload was writing.</param>
/// <param name="Handle">What <see cref="IObjectStore.RemoveUnfinishedAsync"/> removes (store-specific).</param>
public sealed record UnfinishedUpload(string Key, string Handle, long SizeBytes, DateTimeOffset LastWrittenUtc);

/// <summary>
/// The object storage backups go to. Every object is written with the SHA-256 of its bytes, and
/// <see cref="ReadVerifiedAsync"/> refuses bytes that do not match it. An object and its checksum change
/// together: a reader racing a rewrite sees the old pair or the new pair, never a mix.
/// </summary>
public interface IObjectStore
{
    /// <summary>A human-readable location, for logs and reports (never contains a secret).</summary>
    string Location { get; }

    /// <summary>
    /// Uploads (overwriting) and returns what was stored, with the SHA-256 computed while streaming. The
    /// transfer itself is checked by a checksum the store computes (MD5 per part), so the bytes need not be read back.
    /// </summary>
    Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Returns null when the key does not exist.</summary>
    Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Copies the object to <paramref name="destination"/>, failing if its bytes do not match the recorded SHA-256.</summary>
    Task ReadVerifiedAsync(string key, Stream destination, CancellationToken cancellationToken = default) =>
        ReadVerifiedAsync(key, destination, null, cancellationToken);

    /// <summary>
    /// As above; with <paramref name="expectedSha256"/> (what a manifest recorded), an object whose recorded SHA-256 is
    /// another one (replaced since) fails before a byte is copied.
    /// </summary>
    Task ReadVerifiedAsync(string key, Stream destination, string? expectedSha256, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Idempotent: deleting a missing key is not an error (an activity may run twice).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Leftovers of unfinished uploads under <paramref name="prefix"/> (see <see cref="UnfinishedUpload"/>).</summary>
    Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Idempotent. Never touches a finished object.</summary>
    Task RemoveUnfinishedAsync(UnfinishedUpload upload, CancellationToken cancellationToken = default);
}

/// <summary>Stored bytes differ from the checksum recorded when they were written.</summary>
public sealed class ChecksumMismatchException(string key, string expected, string actual)
    : CorruptDataException($"object '{key}' is corrupt: recorded SHA-256 {expected}, bytes hash to {actual}");
