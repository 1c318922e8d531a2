using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Storage;

/// <summary>
/// An archive kept as parts (base backups): written several parts at once, read back several at once, every part
/// checked before a byte of it is handed on. Against a real local-directory store; the parts go through the same
/// <see cref="IObjectStore"/> contract every store keeps (Object_store_contract_test).
/// </summary>
public sealed class Parted_archive_test
{
    private const int PartBytes = 64 * 1024;

    private readonly string root = RepoPaths.NewTempDirectory("parted");
    private readonly LocalDirectoryObjectStore store;

    public Parted_archive_test() => store = new LocalDirectoryObjectStore(root);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(PartBytes)]
    [InlineData(10 * PartBytes + 12345)]
    public async Task Bytes_round_trip_through_parts_read_several_at_once(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);

        var parts = await PartedArchive.PutAsync(store, "a/base.tar.zst", new MemoryStream(bytes), PartBytes, parallel: 3, CancellationToken.None);

        Assert.Equal((size + PartBytes - 1) / PartBytes, parts.Count);
        Assert.Equal(size, parts.Sum(p => p.SizeBytes));
        Assert.Equal(parts.Select((_, i) => $"a/base.tar.zst.{i + 1:D5}"), parts.Select(p => p.Key));
        await using var read = PartedArchive.OpenRead(store, parts, parallel: 3);
        using var back = new MemoryStream();
        await read.CopyToAsync(back);
        Assert.True(bytes.AsSpan().SequenceEqual(back.ToArray()));
    }

    [Fact]
    public async Task A_corrupt_part_fails_the_read_before_any_of_its_bytes_is_handed_on()
    {
        var bytes = RandomNumberGenerator.GetBytes(5 * PartBytes);
        var parts = await PartedArchive.PutAsync(store, "b/base.tar.zst", new MemoryStream(bytes), PartBytes, parallel: 2, CancellationToken.None);
        var third = Path.Combine(root, parts[2].Key); // the store's link to the part's bytes
        var stored = await File.ReadAllBytesAsync(third);
        stored[100] ^= 1;
        await File.WriteAllBytesAsync(third, stored);

        await using var read = PartedArchive.OpenRead(store, parts, parallel: 4);
        var handedOn = new MemoryStream();
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => read.CopyToAsync(handedOn));

        Assert.Contains(parts[2].Key, error.Message);
        Assert.Equal(2 * PartBytes, handedOn.Length); // the first two parts, nothing of the third
    }

    [Fact]
    public async Task A_part_replaced_by_another_object_is_refused_though_the_store_finds_it_consistent()
    {
        var parts = await PartedArchive.PutAsync(store, "c/base.tar.zst", new MemoryStream(RandomNumberGenerator.GetBytes(3 * PartBytes)), PartBytes, 2,
            CancellationToken.None);
        await store.PutAsync(parts[1].Key, new MemoryStream(RandomNumberGenerator.GetBytes(PartBytes))); // a valid object, not this archive's

        await using var read = PartedArchive.OpenRead(store, parts, parallel: 2);
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => read.CopyToAsync(Stream.Null));

        Assert.Contains(parts[1].Sha256, error.Message);
    }

    [Fact]
    public async Task A_source_that_fails_half_way_leaves_no_part_behind()
    {
        var source = new FailingAfter(RandomNumberGenerator.GetBytes(4 * PartBytes), failAt: 3 * PartBytes + 10);

        await Assert.ThrowsAsync<IOException>(() => PartedArchive.PutAsync(store, "d/base.tar.zst", source, PartBytes, parallel: 2, CancellationToken.None));

        Assert.Empty(await store.ListAsync("d/"));
    }

    [Fact]
    public async Task A_rerun_that_needs_fewer_parts_removes_the_ones_left_over()
    {
        await PartedArchive.PutAsync(store, "e/base.tar.zst", new MemoryStream(RandomNumberGenerator.GetBytes(6 * PartBytes)), PartBytes, 2,
            CancellationToken.None);

        var parts = await PartedArchive.PutAsync(store, "e/base.tar.zst", new MemoryStream(RandomNumberGenerator.GetBytes(2 * PartBytes + 1)), PartBytes, 2,
            CancellationToken.None);

        Assert.Equal(parts.Select(p => p.Key), (await store.ListAsync("e/")).Select(o => o.Key));
    }

    [Fact]
    public void The_combined_checksum_names_the_parts_in_order()
    {
        ArchivePart[] parts = [new("k.00001", 1, "aa"), new("k.00002", 1, "bb")];

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("aa\nbb"u8)), ArchivePart.CombinedSha256(parts));
        Assert.NotEqual(ArchivePart.CombinedSha256(parts), ArchivePart.CombinedSha256(parts.Reverse()));
    }

    /// <summary>Delivers its bytes, then fails at <paramref name="failAt"/>, as a pg_basebackup that died would.</summary>
    private sealed class FailingAfter(byte[] bytes, int failAt) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position >= failAt
                ? ValueTask.FromException<int>(new IOException("the producer died"))
                : base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, failAt - Position)], cancellationToken);
    }
}
