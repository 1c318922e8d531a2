using CausalEval.Dr.Core.Errors;
namespace CausalEval.Dr.Adapters.Storage;

/// <summary>An object as the store lists it. <see cref="Sha256"/> is what was recorded at upload.</summary>
public sealed record StoredObject(string Key, long SizeBytes, string? Sha256, DateTimeOffset? LastModified);

/// <summary>
/// The object storage backups go to. Every object is written with the SHA-256 of its bytes, and
/// <see cref="ReadVerifiedAsync"/> refuses bytes that do not match it.
/// </summary>
public interface IObjectStore
{
    /// <summary>A human-readable location, for logs and reports (never contains a secret).</summary>
    string Location { get; }

    /// <summary>Uploads (overwriting) and returns what was stored, with the SHA-256 computed while streaming.</summary>
    Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Returns null when the key does not exist.</summary>
    Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Copies the object to <paramref name="destination"/>, failing if its bytes do not match the recorded SHA-256.</summary>
    Task ReadVerifiedAsync(string key, Stream destination, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Idempotent: deleting a missing key is not an error (an activity may run twice).</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>Stored bytes differ from the checksum recorded when they were written.</summary>
public sealed class ChecksumMismatchException(string key, string expected, string actual)
    : CorruptDataException($"object '{key}' is corrupt: recorded SHA-256 {expected}, bytes hash to {actual}");
