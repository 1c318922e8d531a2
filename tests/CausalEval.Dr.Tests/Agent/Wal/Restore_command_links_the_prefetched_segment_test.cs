using System.Diagnostics;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Agent;
using CausalEval.Dr.Agent.Wal;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Agent.Wal;

/// <summary>
/// restore_command as PostgreSQL runs it (as the server's user, in the data directory) against a real agent
/// WAL socket: the first segment, not prefetched yet, is asked for and arrives as a hard link to the agent's checked
/// copy (no 16 MB HTTP body, no fallback); the next one, prefetched meanwhile, is moved out of the server's own spool
/// folder without asking; two servers recovering at once each get their own window; a file handed out goes once its
/// server asks again; a segment the archive lacks is a clean "no" (exit 1, fallback not run); the spool goes with
/// the agent.
/// </summary>
public sealed class Restore_command_links_the_prefetched_segment_test
{
    private const string Fallback = "echo fallback >&2; exit 7";

    [Fact]
    public async Task Segments_arrive_linked_from_the_spool_and_a_missing_one_is_a_clean_no()
    {
        var root = RepoPaths.NewTempDirectory("wal-stage");
        var data = await RecoveringServer.DataDirectoryAsync(root, "data");
        var store = new StorageOptions { Kind = "local", LocalPath = Path.Combine(root, "store") };
        var segments = await RecoveringServer.ArchiveSegmentsAsync(new WalArchive(store.CreateStore()), root,
            ["000000010000000000000003", "000000010000000000000004"]);

        var settings = TestAgents.Settings(root, data, store);
        var runtime = AgentRuntimeDirectory.Prepare(settings.RuntimeDirectory, data);
        var other = await RecoveringServer.DataDirectoryAsync(root, "other");
        using (var prefetcher = new WalPrefetcher(settings, runtime))
        await using (var agent = await WalSocketHost.StartAsync(settings, runtime, NullLoggerFactory.Instance, prefetcher, CancellationToken.None))
        {
            var (first, second) = ("000000010000000000000003", "000000010000000000000004");
            var mine = prefetcher.SpoolFor(data); // what a recover job names in restore_command
            var restored = Path.Combine(data, "pg_wal", "RECOVERYXLOG");

            var asked = await RestoreAsync(data, first, mine, runtime.Socket);
            Assert.True(asked.Exit == 0, $"restore_command for {first}: exit {asked.Exit}: {asked.Error}");
            Assert.Equal(segments[first], await File.ReadAllBytesAsync(restored));
            Assert.Equal(2, await LinksAsync(restored)); // the spool's file and pg_wal's are one
            var kept = Path.Combine(root, $"kept-{first}");
            await ProcessRunner.RunAsync("ln", [restored, kept]);

            // The next segment is prefetched into the server's folder: restore_command moves it, asking nothing.
            await EventuallyAsync(() => File.Exists(Path.Combine(mine, second)), $"{second} was never prefetched into {mine}");
            var moved = await RestoreAsync(data, second, mine, runtime.Socket);
            Assert.True(moved.Exit == 0, $"restore_command for {second}: exit {moved.Exit}: {moved.Error}");
            Assert.Equal(segments[second], await File.ReadAllBytesAsync(restored));
            Assert.Equal(1, await LinksAsync(restored)); // moved: no copy left in the spool
            Assert.False(File.Exists(Path.Combine(mine, second)));

            // Another server recovering on the same host meanwhile gets its own folder and window, and takes nothing from this one's.
            var theirs = prefetcher.SpoolFor(other);
            Assert.NotEqual(mine, theirs);
            foreach (var (name, bytes) in segments)
            {
                var beside = await RestoreAsync(other, name, theirs, runtime.Socket);
                Assert.True(beside.Exit == 0, beside.Error);
                Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(other, "pg_wal", "RECOVERYXLOG")));
            }

            // Both in this agent's own spool, in its own folder.
            Assert.Equal(runtime.Spool, Path.GetDirectoryName(mine));
            var missing = await RestoreAsync(data, "000000010000000000000009", mine, runtime.Socket);

            Assert.Equal(1, missing.Exit);
            Assert.DoesNotContain("fallback", missing.Error);
            // Asking again says the server is done with the file it was given last: the spool lets it go.
            Assert.Equal(1, await LinksAsync(kept));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(runtime.Spool)); // nothing staged outlives the agent
    }

    private static async Task EventuallyAsync(Func<bool> condition, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), failure);
            await Task.Delay(20);
        }
    }

    private static async Task<int> LinksAsync(string path) => int.Parse((await ProcessRunner.RunAsync("stat", ["-c", "%h", path])).Trim());

    private static Task<(int Exit, string Error)> RestoreAsync(string data, string name, string spool, string socket) =>
        RecoveringServer.RestoreAsync(data, name, spool, socket, Fallback);
}
