using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Tests.Fixtures;
using ZstdSharp;

namespace CausalEval.Dr.Tests.Wal;

/// <summary>
/// PostgreSQL pushes a segment again after a crash. If the archive holds the same segment compressed
/// differently (another zstd version or level), the push is the same segment and must succeed; only
/// different uncompressed content is a conflict.
/// </summary>
public sealed class Wal_push_idempotency_test : IDisposable
{
    private const string Segment = "000000010000000000000003";
    private readonly string root = RepoPaths.NewTempDirectory("wal-idem");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task A_re_push_of_the_same_segment_compressed_differently_succeeds_and_a_different_one_conflicts()
    {
        var store = new LocalDirectoryObjectStore(Path.Combine(root, "store"));
        var segment = Path.Combine(root, Segment);
        var bytes = new byte[1 << 20];
        RandomNumberGenerator.Fill(bytes.AsSpan(0, 1 << 18)); // mostly zeros, as a WAL segment often is
        await File.WriteAllBytesAsync(segment, bytes);
        // The archive holds the segment as another compressor wrote it: different compressed bytes.
        await store.PutAsync(WalArchive.KeyOf(Segment), new MemoryStream(new Compressor(19).Wrap(bytes).ToArray()));

        var again = await new WalArchive(store).PushAsync(segment);
        Assert.True(again.AlreadyArchived);

        bytes[10] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes);
        await Assert.ThrowsAsync<WalConflictException>(() => new WalArchive(store).PushAsync(segment));
    }
}
