using System.Diagnostics;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Postgres;

/// <summary>
/// The spool file pg_basebackup writes is read while it grows, every byte arrives in order, and the space
/// of what was read is given back: the file's allocated size stays far below what passed through it.
/// </summary>
public sealed class Spool_never_holds_the_whole_backup_test : IDisposable
{
    private const int Chunk = 1 << 20;
    private const int Chunks = 96;
    private readonly string root = RepoPaths.NewTempDirectory("spool");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Reader_gets_every_byte_while_the_file_grows_and_its_blocks_are_released()
    {
        var path = Path.Combine(root, "base.tar.zst");
        var written = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writerDone = false;
        var writer = Task.Run(async () =>
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
            var bytes = new byte[Chunk];
            for (var i = 0; i < Chunks; i++)
            {
                Random.Shared.NextBytes(bytes);
                written.AppendData(bytes);
                await file.WriteAsync(bytes);
                await file.FlushAsync();
                await Task.Delay(20); // pg_basebackup-like pace; the reader may lag 600 ms before the bound is at risk
            }

            writerDone = true;
        });

        await using var spool = await GrowingFileStream.OpenAsync(path, () => Volatile.Read(ref writerDone), CancellationToken.None);
        Assert.NotNull(spool);
        var read = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0, maxAllocated = 0;
        int n;
        while ((n = await spool.ReadAsync(buffer)) > 0)
        {
            read.AppendData(buffer, 0, n);
            total += n;
            if (total % (8 * Chunk) < n)
            {
                maxAllocated = Math.Max(maxAllocated, await AllocatedBytesAsync(path));
            }
        }

        await writer;
        Assert.Equal((long)Chunk * Chunks, total);
        Assert.Equal(written.GetHashAndReset(), read.GetHashAndReset());
        Assert.True(maxAllocated < 32L * Chunk, $"the spool held {maxAllocated / Chunk} MiB of the {Chunks} MiB that passed through");
    }

    private static async Task<long> AllocatedBytesAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true })!;
        var fields = (await stat.StandardOutput.ReadToEndAsync()).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        await stat.WaitForExitAsync();
        return long.Parse(fields[0]) * long.Parse(fields[1]);
    }
}
