using System.Diagnostics;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Core.Retention;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Wal;

/// <summary>
/// The lab's primary under pgbench archives through its agent (WalSocket). The agent is SIGKILLed mid-run
/// and revived: archive_command falls back to `dr wal push` meanwhile, the .ready backlog stays small, every
/// segment from the run is in the store (no hole), and every segment PostgreSQL marked archived (.done) is
/// stored with bytes equal to the server's own.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Archive_keeps_up_while_the_uploader_is_killed_test
{
    private const string Bin = "/usr/lib/postgresql/15/bin";

    /// <summary>The lab's database password (its PostgreSQL authenticates loopback connections with SCRAM).</summary>
    private string? password;

    [Fact]
    public async Task No_segment_is_lost_or_reported_archived_early_when_the_uploader_dies()
    {
        var lab = new LabFixture();
        await lab.InitializeAsync();
        try
        {
            var primary = lab.State.Find("postgres-primary")!;
            var (address, port) = (primary.Address, primary.Ports[0]);
            password = lab.State.PostgresPassword;
            var status = Path.Combine(primary.DataDirectory!, "pg_wal", "archive_status");
            await RunAsync(Path.Combine(Bin, "pgbench"), $"-i -q -s 5 -h {address} -p {port} -U postgres {LabPostgres.Database}");
            var first = await CurrentSegmentAsync(address, port);

            using var load = Process.Start(new ProcessStartInfo(Path.Combine(Bin, "pgbench"),
                $"-c 2 -j 2 -T 14 -h {address} -p {port} -U postgres {LabPostgres.Database}")
            { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["PGPASSWORD"] = password } })!;
            var maxReady = 0;
            var clock = Stopwatch.StartNew();
            var (killed, revived) = (false, false);
            while (!load.HasExited)
            {
                maxReady = Math.Max(maxReady, Directory.EnumerateFiles(status, "*.ready").Count());
                if (!killed && clock.Elapsed > TimeSpan.FromSeconds(4))
                {
                    Process.GetProcessById(LabState.Load(lab.LabDirectory)!.Find("agent-primary")!.Pid).Kill();
                    killed = true;
                }

                if (killed && !revived && clock.Elapsed > TimeSpan.FromSeconds(8))
                {
                    var revive = await lab.RunAsync("lab", "revive", "primary");
                    Assert.True(revive.ExitCode == 0, revive.Stderr);
                    revived = true;
                }

                await Task.Delay(250);
            }

            Assert.True(load.ExitCode == 0, await load.StandardError.ReadToEndAsync());
            var last = await SwitchAndWaitArchivedAsync(address, port, status);

            var store = new LocalDirectoryObjectStore(LabSettings.BackupStore(lab.LabDirectory));
            var archived = (await new WalArchive(store).ListAsync()).Select(w => w.FileName).ToHashSet();
            for (var segment = WalRetention.PositionOf(first)!.Value; segment <= WalRetention.PositionOf(last)!.Value; segment++)
            {
                Assert.Contains(WalChain.NameOf(1, segment), archived);
            }

            foreach (var done in Directory.EnumerateFiles(status, "*.done").Select(Path.GetFileNameWithoutExtension).Where(n => n!.Length == 24))
            {
                var local = Path.Combine(primary.DataDirectory!, "pg_wal", done!);
                var stored = await new WalArchive(store).ReadAsync(done!);
                Assert.True(stored is not null, $"{done} is marked archived but the store does not have it");
                if (File.Exists(local))
                {
                    var own = await File.ReadAllBytesAsync(local);
                    Assert.True(stored.AsSpan().SequenceEqual(own), $"{done} in the store differs from the server's");
                }
            }

            Assert.True(maxReady <= 24, $"the archive fell {maxReady} segments behind");
        }
        finally
        {
            await lab.DisposeAsync();
        }
    }

    private async Task<string> CurrentSegmentAsync(string address, int port) =>
        (string)(await ScalarAsync(address, port, "SELECT pg_walfile_name(pg_current_wal_lsn())"))!;

    private async Task<string> SwitchAndWaitArchivedAsync(string address, int port, string status)
    {
        var segment = (string)(await ScalarAsync(address, port, "SELECT pg_walfile_name(pg_switch_wal())"))!;
        for (var i = 0; i < 600; i++)
        {
            if ((bool)(await ScalarAsync(address, port, $"SELECT coalesce(last_archived_wal, '') >= '{segment}' FROM pg_stat_archiver"))!
                && !Directory.EnumerateFiles(status, "*.ready").Any())
            {
                return segment;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{segment} was not archived within 60 s");
    }

    private async Task<object?> ScalarAsync(string address, int port, string sql)
    {
        await using var db = new NpgsqlConnection(LabPostgres.ConnectionString(address, port, LabPostgres.Database, password));
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return await command.ExecuteScalarAsync();
    }

    private async Task RunAsync(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true,
            Environment = { ["PGPASSWORD"] = password } })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(file)} {args}: {error}");
    }
}
