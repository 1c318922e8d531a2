using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Postgres;

/// <summary>
/// The restore's file writer: O_DIRECT needs whole blocks, so every file whose size is not one is written padded
/// and cut back; several writer threads share a file's chunks. Sizes around the block and chunk edges must come
/// out byte for byte, written direct and written buffered (what a file system that refuses O_DIRECT gets).
/// </summary>
public sealed class Restored_files_are_written_exactly_test
{
    private static readonly int[] Sizes = [0, 1, 511, 4095, 4096, 4097, 8192, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) - 5, 5 * (1 << 20) + 4096];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_size_round_trips_with_its_mode(bool direct)
    {
        var root = RepoPaths.NewTempDirectory("writer");
        try
        {
            var expected = Sizes.ToDictionary(size => Path.Combine(root, $"file-{size}"), RandomNumberGenerator.GetBytes);
            var fsync = new BackgroundFsync();
            await using (var writer = new BackgroundFileWriter(fsync, direct))
            {
                foreach (var (path, bytes) in expected)
                {
                    // A stream that hands out odd-sized reads, as a decompressor does.
                    await writer.WriteFileAsync(path, bytes.Length, new TrickleStream(bytes), UnixFileMode.UserRead | UnixFileMode.UserWrite,
                        CancellationToken.None);
                }

                await writer.CompleteAsync();
            }

            await fsync.CompleteAsync();
            foreach (var (path, bytes) in expected)
            {
                var written = await File.ReadAllBytesAsync(path);
                Assert.True(bytes.AsSpan().SequenceEqual(written),
                    $"direct={direct}: {Path.GetFileName(path)} came out as {written.Length} bytes, not its {bytes.Length}");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Whatever the file system allows, the handle says truthfully whether writes must be aligned.</summary>
    [Fact]
    public void A_direct_handle_is_opened_with_O_DIRECT_and_says_so()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory("writer-flags"), "file");
        var (handle, direct) = DirectFile.Create(path, 8192, UnixFileMode.UserRead | UnixFileMode.UserWrite, direct: true);
        using (handle)
        {
            var flags = File.ReadLines($"/proc/self/fdinfo/{handle.DangerousGetHandle()}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
            var octal = Convert.ToInt64(flags["flags:".Length..].Trim(), 8);
            Assert.Equal(direct, (octal & 0x4000) != 0); // O_DIRECT
        }
    }

    [Fact]
    public async Task A_file_that_already_exists_fails_the_write_and_is_left_alone()
    {
        var root = RepoPaths.NewTempDirectory("writer-exists");
        var path = Path.Combine(root, "taken");
        await File.WriteAllTextAsync(path, "keep me");
        var writer = new BackgroundFileWriter(null);

        await Assert.ThrowsAsync<IOException>(()
            => writer.WriteFileAsync(path, 5, new MemoryStream(new byte[5]), UnixFileMode.UserRead, CancellationToken.None));
        await writer.DisposeAsync();

        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
    }

    /// <summary>Reads of 1 to 70,000 bytes at a time.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        private int next = 1;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            next = next * 7 % 70_001 + 1;
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, next)], cancellationToken);
        }
    }
}
