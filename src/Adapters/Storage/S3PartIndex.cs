using System.Text.Json;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// The object an <see cref="S3ObjectStore"/> writes at a large object's key: the list of its parts, each a
/// plain object under <c>{key}~parts/{set}/</c> with its own checksum. Written last, in one PUT, so the
/// object and its checksum appear together, and an upload killed earlier leaves only visible parts that
/// nothing references (see <see cref="IObjectStore.ListUnfinishedAsync"/>), never a hidden multipart upload.
/// </summary>
internal sealed record S3PartIndex(string Format, long SizeBytes, string Sha256, IReadOnlyList<S3PartIndex.Part> Parts)
{
    public const string CurrentFormat = "causaleval-dr/parts-v1";
    private const string Marker = "~parts/";

    public sealed record Part(string Key, long SizeBytes, string Sha256);

    public static string PartsPrefix(string key, string set) => $"{key}{Marker}{set}/";

    public static string PartKey(string key, string set, int number) => $"{PartsPrefix(key, set)}{number:D5}";

    public static bool IsPartKey(string key) => key.Contains(Marker, StringComparison.Ordinal);

    /// <summary>For a part key: the object it belongs to and its part set; null for any other key.</summary>
    public static (string Key, string Set)? OwnerOf(string partKey)
    {
        var at = partKey.LastIndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = partKey[(at + Marker.Length)..];
        var slash = rest.IndexOf('/');
        return slash <= 0 ? null : (partKey[..at], rest[..slash]);
    }

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static S3PartIndex Parse(string key, byte[] bytes)
    {
        var index = JsonSerializer.Deserialize<S3PartIndex>(bytes, Json);
        return index is { Format: CurrentFormat, Parts: not null }
            ? index
            : throw new InvalidDataException($"object '{key}' says it is stored in parts, but its part list is not {CurrentFormat}");
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
