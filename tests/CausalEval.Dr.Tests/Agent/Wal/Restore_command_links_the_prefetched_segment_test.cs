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
/// WAL socket: the segment arrives as a hard link to the agent's checked, prefetched copy (no 16 MB HTTP body,
/// no fallback), two servers recovering at once each get their own window, a file handed out goes once its
/// server asks again, a segment the archive lacks is a clean "no" (exit 1, fallback not run), and the spool
/// goes with the agent.
/// </summary>
public sealed class Restore_command_links_the_prefetched_segment_test
{
    private const string Fallback = "echo fallback >&2; exit 7";

    [Fact]
    public async Task Segments_arrive_linked_from_the_spool_and_a_missing_one_is_a_clean_no()
    {
        var root = RepoPaths.NewTempDirectory("wal-stage");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(Path.Combine(data, "pg_wal"));
        await PgCtl.GiveToServerAsync(data, Path.Combine(data, "pg_wal"));
        var store = new StorageOptions { Kind = "local", LocalPath = Path.Combine(root, "store") };
        var archive = new WalArchive(store.CreateStore());
        var segments = new Dictionary<string, byte[]>();
        foreach (var name in new[] { "000000010000000000000003", "000000010000000000000004" })
        {
            segments[name] = RandomNumberGenerator.GetBytes(16 << 20);
            var source = Path.Combine(root, name);
            await File.WriteAllBytesAsync(source, segments[name]);
            await archive.PushAsync(source);
        }

        var settings = new AgentSettings("node", "127.0.0.1", 5432, new Uri("http://127.0.0.1:1"), "token", data, "/usr/lib/postgresql/15/bin",
            Path.Combine(root, "agent"), store);
        var other = Path.Combine(root, "other");
        Directory.CreateDirectory(Path.Combine(other, "pg_wal"));
        await PgCtl.GiveToServerAsync(other, Path.Combine(other, "pg_wal"));
        string spool;
        await using (var agent = await WalSocketHost.StartAsync(settings, NullLoggerFactory.Instance, CancellationToken.None))
        {
            var kept = new List<string>();
            foreach (var (name, bytes) in segments)
            {
                var (exit, error) = await RestoreAsync(data, name);

                Assert.True(exit == 0, $"restore_command for {name}: exit {exit}: {error}");
                var restored = Path.Combine(data, "pg_wal", "RECOVERYXLOG");
                Assert.Equal(bytes, await File.ReadAllBytesAsync(restored));
                Assert.Equal(2, await LinksAsync(restored)); // the spool's file and pg_wal's are one
                kept.Add(Path.Combine(root, $"kept-{name}"));
                await ProcessRunner.RunAsync("ln", [restored, kept[^1]]);

                // Another server recovering on the same host meanwhile gets its own window, and takes nothing from this one's.
                var beside = await RestoreAsync(other, name, WalSocket.PathFor(data));
                Assert.True(beside.Exit == 0, beside.Error);
                Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(other, "pg_wal", "RECOVERYXLOG")));
            }

            // Asking again says the server is done with the file it was given last: the spool lets it go.
            Assert.Equal(1, await LinksAsync(kept[0]));
            spool = Directory.EnumerateDirectories("/tmp", $"dr-wal-spool-{Environment.ProcessId}-*").Single();
            var missing = await RestoreAsync(data, "000000010000000000000009");

            Assert.Equal(1, missing.Exit);
            Assert.DoesNotContain("fallback", missing.Error);
            Assert.Equal(1, await LinksAsync(kept[1]));
        }

        Assert.False(Directory.Exists(spool), "the spool outlived its agent");
    }

    private static async Task<int> LinksAsync(string path) => int.Parse((await ProcessRunner.RunAsync("stat", ["-c", "%h", path])).Trim());

    /// <summary>What PostgreSQL does: remove the old RECOVERYXLOG, run the command in the data directory as its user.</summary>
    private static Task<(int Exit, string Error)> RestoreAsync(string data, string name) => RestoreAsync(data, name, WalSocket.PathFor(data));

    /// <param name="socket">The agent's: a recover job's server is given its node agent's socket, whatever its own directory.</param>
    private static async Task<(int Exit, string Error)> RestoreAsync(string data, string name, string socket)
    {
        File.Delete(Path.Combine(data, "pg_wal", "RECOVERYXLOG"));
        var command = WalSocket.RestoreCommand(socket, Fallback).Replace("%f", name).Replace("%p", "pg_wal/RECOVERYXLOG");
        var start = DetachedProcess.IsRoot ? new ProcessStartInfo("runuser", ["-u", PgCtl.OsUser, "--", "sh", "-c", command]) : new ProcessStartInfo("sh", ["-c", command]);
        start.WorkingDirectory = data;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}
