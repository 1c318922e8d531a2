using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.DatabaseBackup;

/// <summary>
/// A base backup taken from the streaming standby (sparing the primary), restored by `dr backup restore`
/// into a new directory, starts as a writable cluster with the primary's rows. Restores that must not
/// happen (non-empty target, corrupt archive) leave nothing behind.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Standby_backup_restores_writable_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Rows = 5000;
    private PostgresCluster cluster = null!;
    private string Restored => Path.Combine(cluster.Root, "pg", "restored");

    public async Task InitializeAsync()
    {
        cluster = await PostgresCluster.StartAsync("standby-backup", rows: Rows);
        await cluster.StartStandbyAsync("127.0.0.2");
        cluster.StopOnDispose(Restored);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Backup_from_the_standby_restores_to_a_writable_cluster_with_the_primarys_rows()
    {
        var environment = new DrEnvironment(azurite, "standby-backup",
            new DrSettings().LocalStore(cluster.Store).Database(cluster.Port).Standby(cluster.Port, "127.0.0.2"));

        var run = await environment.RunCliAsync("backup", "run", "database", "--source", "standby", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var backupId = run.Json["output"]!["backupId"]!.GetValue<string>();
        var list = await environment.RunCliAsync("backup", "list", "--json");
        var listed = list.Json.AsArray().Single(b => b!["id"]!.GetValue<string>() == backupId)!;
        Assert.Equal("complete", listed["status"]!.GetValue<string>());
        Assert.Equal($"standby 127.0.0.2:{cluster.Port}", listed["source"]!.GetValue<string>());

        var verify = await environment.RunCliAsync("backup", "verify", backupId);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        var restore = await environment.RunCliAsync("backup", "restore", backupId, "--to", Restored, "--owner", "postgres",
            "--set", "listen_addresses=127.0.0.1", "--set", "hot_standby=on");
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);

        // Its port is chosen as it starts (and chosen again should another process take it first): the last port line wins.
        var restoredPort = await Ports.OnFreePortAsync("the restored cluster", ["127.0.0.1"], async port =>
        {
            await File.AppendAllTextAsync(Path.Combine(Restored, "postgresql.auto.conf"), $"port = {port}\n");
            await LabPostgres.StartAsync(Restored);
            return port;
        });
        await using var connection = new NpgsqlConnection(LabPostgres.ConnectionString("127.0.0.1", restoredPort));
        await connection.OpenAsync();
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM evaluations", connection))
        {
            Assert.Equal(Rows, (long)(await count.ExecuteScalarAsync())!);
        }

        await using (var write = new NpgsqlCommand("INSERT INTO evaluations (client_id, payload) VALUES ('after-restore', '{}') RETURNING id", connection))
        {
            Assert.NotNull(await write.ExecuteScalarAsync()); // writable: not in recovery
        }

        // Into a directory that is not empty: refused, and the directory is left as it was.
        var again = await environment.RunCliAsync("backup", "restore", backupId, "--to", Restored);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("is not empty", again.Stderr);
        Assert.True(File.Exists(Path.Combine(Restored, "PG_VERSION")));

        // A corrupt archive: the restore fails and leaves no directory that could be started.
        var archive = Directory.GetFiles(Path.Combine(cluster.Store, "database", backupId), "base.tar.zst.*").Order().Last(); // the last part
        var bytes = await File.ReadAllBytesAsync(archive);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(archive, bytes);
        var corruptTarget = Path.Combine(cluster.Root, "pg", "corrupt");
        var corrupt = await environment.RunCliAsync("backup", "restore", backupId, "--to", corruptTarget);
        Assert.Equal(5, corrupt.ExitCode); // corrupt data
        Assert.Contains("nothing left behind", corrupt.Stderr);
        Assert.False(Directory.Exists(corruptTarget));
    }
}
