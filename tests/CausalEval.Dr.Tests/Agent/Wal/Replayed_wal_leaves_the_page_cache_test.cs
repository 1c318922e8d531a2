using System.Diagnostics;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Agent;
using CausalEval.Dr.Agent.Wal;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Agent.Wal;

/// <summary>
/// A recovering server's replayed WAL stays in its pg_wal until the recovery ends, but nothing reads it again:
/// with a real agent WAL socket and restore_command run as PostgreSQL runs it (then the restored file kept under its
/// segment name, as the server does), the segments two or more behind the one the server took last leave the page
/// cache, and the ones it may still be reading stay cached.
/// </summary>
public sealed class Replayed_wal_leaves_the_page_cache_test
{
    [Fact]
    public async Task Segments_two_behind_the_server_leave_the_page_cache_and_the_last_two_stay()
    {
        var root = RepoPaths.NewTempDirectory("wal-replayed");
        var data = await RecoveringServer.DataDirectoryAsync(root, "data");
        var store = new StorageOptions { Kind = "local", LocalPath = Path.Combine(root, "store") };
        var names = Enumerable.Range(1, 5).Select(i => WalChain.NameOf(1, i)).ToList();
        await RecoveringServer.ArchiveSegmentsAsync(new WalArchive(store.CreateStore()), root, names);

        var settings = TestAgents.Settings(root, data, store);
        var runtime = AgentRuntimeDirectory.Prepare(settings.RuntimeDirectory, data);
        using var prefetcher = new WalPrefetcher(settings, runtime);
        await using var agent = await WalSocketHost.StartAsync(settings, runtime, NullLoggerFactory.Instance, prefetcher, CancellationToken.None);
        var spool = prefetcher.SpoolFor(data);
        var kept = names.Select(n => Path.Combine(data, "pg_wal", n)).ToList();
        foreach (var name in names)
        {
            var (exit, error) = await RecoveringServer.RestoreAsync(data, name, spool, runtime.Socket, "exit 7");
            Assert.True(exit == 0, $"restore_command for {name}: exit {exit}: {error}");
            File.Move(Path.Combine(data, "pg_wal", "RECOVERYXLOG"), Path.Combine(data, "pg_wal", name));
            Assert.True(await CachedBytesAsync(kept[names.IndexOf(name)]) > 0,
                $"{name} is not in the page cache right after its restore: the test would prove nothing");
        }

        // Taken the fifth: the first three are replayed.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var cached = await Task.WhenAll(kept.Take(3).Select(CachedBytesAsync));
            if (cached.All(bytes => bytes == 0))
            {
                break;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20),
                $"replayed segments still cached 20 s after the server moved past them: {string.Join(", ", cached)} bytes");
            await Task.Delay(50);
        }

        // The server may still be reading these two (it takes the next one on reaching a segment's end).
        Assert.All(await Task.WhenAll(kept.Skip(3).Select(CachedBytesAsync)), bytes
            => Assert.True(bytes > 0, "a segment the server may still read left the page cache"));
    }

    private static async Task<long> CachedBytesAsync(string path) =>
        long.Parse((await ProcessRunner.RunAsync("fincore", ["--bytes", "--noheadings", "--output", "RES", path])).Trim());
}
