using CausalEval.Dr.Core.Errors;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Retention;
using ZstdSharp;
using NativeZstd = ZstdNet;

namespace CausalEval.Dr.Adapters.Wal;

public sealed record WalPushResult(string Name, string Key, long SourceBytes, long StoredBytes, bool AlreadyArchived);

/// <summary>The archive already holds a different file under this WAL name: never overwrite it.</summary>
public sealed class WalConflictException(string name) : CorruptDataException(
    $"the archive already holds a different {name}: refusing to overwrite it (two clusters archiving into one place, or a diverged timeline)");

/// <summary>
/// PostgreSQL's continuous WAL archive in object storage: what `archive_command = 'dr wal push %p'` and
/// `restore_command = 'dr wal fetch %f %p'` do. Segments are zstd-compressed (level 3, deterministic, so the
/// same segment pushed twice stores the same bytes) and checksummed by the store.
/// </summary>
public sealed partial class WalArchive(IObjectStore store)
{
    public const string Prefix = "wal/";

    public static string KeyOf(string name) => $"{Prefix}{name}.zst";

    /// <summary>
    /// Idempotent: pushing a segment the archive already has succeeds without a second upload. "Already has"
    /// compares the uncompressed content, never the compressed bytes: another zstd version may compress the
    /// same segment differently, and PostgreSQL legitimately pushes a segment again after a crash.
    /// </summary>
    public async Task<WalPushResult> PushAsync(string path, CancellationToken cancellationToken = default)
    {
        var name = CheckedName(Path.GetFileName(path));
        var source = await File.ReadAllBytesAsync(path, cancellationToken);
        var key = KeyOf(name);
        if (await store.GetInfoAsync(key, cancellationToken) is { } existing)
        {
            var stored = Decompress(await store.ReadBytesAsync(key, cancellationToken));
            return stored.AsSpan().SequenceEqual(source)
                ? new WalPushResult(name, key, source.Length, existing.SizeBytes, AlreadyArchived: true)
                : throw new WalConflictException(name);
        }

        var compressed = new Compressor(3).Wrap(source).ToArray();
        var put = await store.PutAsync(key, new MemoryStream(compressed), cancellationToken);
        return new WalPushResult(name, key, source.Length, put.SizeBytes, AlreadyArchived: false);
    }

    /// <summary>
    /// Writes the segment to <paramref name="destination"/> (through a temporary file, so PostgreSQL never
    /// reads half a segment). Returns false when the archive does not have it: recovery asks for files
    /// past the end of the archive, and a "no" is how it learns it reached the end.
    /// </summary>
    public async Task<bool> FetchAsync(string name, string destination, CancellationToken cancellationToken = default)
    {
        if (await ReadAsync(name, cancellationToken) is not { } bytes)
        {
            return false;
        }

        var temp = destination + ".dr-fetch";
        await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
        File.Move(temp, destination, overwrite: true);
        return true;
    }

    /// <summary>Every archived WAL file (names without the store's .zst), with when it was stored.</summary>
    public async Task<IReadOnlyList<ArchivedWal>> ListAsync(CancellationToken cancellationToken = default) =>
        (await store.ListAsync(Prefix, cancellationToken))
            .Where(o => o.Key.EndsWith(".zst", StringComparison.Ordinal))
            .Select(o => new ArchivedWal(o.Key[Prefix.Length..^".zst".Length], o.LastModified ?? DateTimeOffset.MinValue))
            .ToList();

    /// <summary>An archived file's uncompressed bytes (checksum checked); null when the archive does not have it.</summary>
    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var key = KeyOf(CheckedName(name));
        if (await store.GetInfoAsync(key, cancellationToken) is null)
        {
            return null;
        }

        return Decompress(await store.ReadBytesAsync(key, cancellationToken));
    }

    /// <summary>
    /// Straight into one array of the frame's size (a segment is 16 MB: no second copy, no growing buffer), by the
    /// native library: recovery waits on this (docs/benchmarks.md).
    /// </summary>
    private static byte[] Decompress(byte[] compressed)
    {
        if (NativeZstd.Decompressor.GetDecompressedSize(compressed) is var size and > 0 and <= int.MaxValue)
        {
            using var decompressor = new NativeZstd.Decompressor();
            var raw = GC.AllocateUninitializedArray<byte>((int)size);
            return decompressor.Unwrap(compressed, raw, 0) == raw.Length ? raw
                : throw new CorruptDataException("an archived WAL file decompressed to fewer bytes than its frame says");
        }

        using var stream = new NativeZstd.DecompressionStream(new MemoryStream(compressed));
        using var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }

    public static string CheckedName(string name) =>
        WalFileName().IsMatch(name) ? name : throw new ArgumentException($"'{name}' is not a WAL segment, history, partial or backup-label file name");

    [GeneratedRegex(@"^([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$")]
    private static partial Regex WalFileName();
}
