using CausalEval.Dr.Lab;
using System.Diagnostics;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Wal;

/// <summary>
/// A real PostgreSQL 15 whose archive_command is `dr wal push %p` into a local-directory store: what it
/// archives comes back byte for byte through `dr wal fetch`, and the archive refuses what it must refuse.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Wal_archive_command_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string root = RepoPaths.NewTempDirectory("wal");
    private string Store => Path.Combine(root, "store");
    private string Settings => Path.Combine(root, "settings.json");
    private PostgresCluster cluster = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Store);
        File.SetUnixFileMode(Store, (UnixFileMode)0b111_111_111); // the archive_command runs as postgres
        File.WriteAllText(Settings, $$"""{ "Storage": { "Kind": "local", "LocalPath": "{{Store}}" } }""");
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);

        var dotnet = Process.GetCurrentProcess().MainModule?.FileName is { } host && Path.GetFileName(host) == "dotnet" ? host : "dotnet";
        // The clone may sit where postgres cannot enter (0700): it then runs a copy of dr, as the lab's primary does.
        var archiveCommand = PostgresReachableDr.For(new DrCommand(dotnet, [RepoPaths.DrDll]), root).ShellLine("wal", "push", "%p", "--settings", Settings);
        cluster = await PostgresCluster.StartAsync("wal-cluster", archiveCommand);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Wal_pushed_by_the_real_archive_command_is_fetched_back_identical()
    {
        var segment = await WriteAndSwitchWalAsync();
        await WaitArchivedAsync(segment);

        var fetched = Path.Combine(root, "fetched");
        var fetch = await LabFixture.RunDrAsync(root, "wal", "fetch", segment, fetched, "--settings", Settings);
        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(cluster.DataDirectory, "pg_wal", segment)), await File.ReadAllBytesAsync(fetched));
        Assert.True(new FileInfo(Path.Combine(Store, "wal", segment + ".zst")).Length < 16 * 1024 * 1024, "stored uncompressed");

        // The same segment again is fine (PostgreSQL retries after a crash); a different one under its name is not.
        var again = await LabFixture.RunDrAsync(root, "wal", "push", Path.Combine(cluster.DataDirectory, "pg_wal", segment), "--settings", Settings);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("already archived", again.Stderr);

        var impostor = Path.Combine(root, "impostor", segment);
        Directory.CreateDirectory(Path.GetDirectoryName(impostor)!);
        var bytes = await File.ReadAllBytesAsync(fetched);
        bytes[4096] ^= 0xFF;
        await File.WriteAllBytesAsync(impostor, bytes);
        var conflict = await LabFixture.RunDrAsync(root, "wal", "push", impostor, "--settings", Settings);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("already holds a different", conflict.Stderr);
    }

    [Fact]
    public async Task Fetch_says_no_for_a_missing_segment_and_refuses_a_corrupted_one()
    {
        var missing = await LabFixture.RunDrAsync(root, "wal", "fetch", "00000001000000FF000000FF", Path.Combine(root, "x"), "--settings", Settings);
        Assert.Equal(1, missing.ExitCode);
        Assert.False(File.Exists(Path.Combine(root, "x")));

        var segment = await WriteAndSwitchWalAsync();
        await WaitArchivedAsync(segment);
        var stored = Path.Combine(Store, "wal", segment + ".zst");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[^10] ^= 0x01;
        await File.WriteAllBytesAsync(stored, bytes);

        var destination = Path.Combine(root, "corrupt-fetch");
        var corrupt = await LabFixture.RunDrAsync(root, "wal", "fetch", segment, destination, "--settings", Settings);
        Assert.NotEqual(0, corrupt.ExitCode);
        Assert.Contains("corrupt", corrupt.Stderr);
        Assert.False(File.Exists(destination), "a corrupted segment was handed to recovery");
    }

    [Fact]
    public async Task Bad_names_and_unconfigured_storage_are_refused()
    {
        var badName = await LabFixture.RunDrAsync(root, "wal", "fetch", "../../etc/passwd", Path.Combine(root, "y"), "--settings", Settings);
        Assert.Equal(2, badName.ExitCode);
        Assert.Contains("is not a WAL segment", badName.Stderr);

        var noStore = Path.Combine(root, "nostore.json");
        File.WriteAllText(noStore, """{ "Storage": { "Kind": "s3" } }""");
        var unconfigured = await LabFixture.RunDrAsync(root, "wal", "fetch", "000000010000000000000001", Path.Combine(root, "z"), "--settings", noStore);
        Assert.NotEqual(0, unconfigured.ExitCode);
        Assert.Contains("Storage:S3:ServiceUrl is not set", unconfigured.Stderr);
    }

    /// <summary>The 15-minute check: on a database with no traffic, a switched segment reaches the store.</summary>
    [Fact]
    public async Task CheckWalArchive_switches_and_proves_the_segment_is_in_the_store()
    {
        var environment = new DrEnvironment(azurite, "walcheck", new DrSettings().LocalStore(Store).Database(cluster.Port));

        var run = await environment.RunCliAsync("run", "CheckWalArchive", "--input", """{"maxWaitSeconds": 60}""", "--json");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var output = run.Json["output"]!;
        Assert.True(output["inStore"]!.GetValue<bool>());
        Assert.True(File.Exists(Path.Combine(Store, "wal", output["segment"]!.GetValue<string>() + ".zst")));
    }

    /// <summary>Writes, then forces a segment switch; returns the name of the segment that was closed.</summary>
    private async Task<string> WriteAndSwitchWalAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO evaluations (client_id, payload) SELECT 'wal-' || g, '{}' FROM generate_series(1, 2000) g",
            connection))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var walSwitch = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection);
        return (string)(await walSwitch.ExecuteScalarAsync())!;
    }

    private async Task WaitArchivedAsync(string segment)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        for (var i = 0; i < 300; i++)
        {
            await using var archived = new NpgsqlCommand("SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver", connection);
            await using var reader = await archived.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (!reader.IsDBNull(0) && string.CompareOrdinal(reader.GetString(0), segment) >= 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        var log = Directory.GetFiles(Path.Combine(root, "pg"), "*.log").Select(File.ReadAllText).FirstOrDefault() ?? "";
        Assert.Fail($"{segment} was not archived within 30 s; server log tail:\n{string.Join('\n', log.Split('\n').TakeLast(15))}");
    }
}
