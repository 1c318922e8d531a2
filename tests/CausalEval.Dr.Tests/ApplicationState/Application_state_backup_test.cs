using System.Security.Cryptography;
using CausalEval.Dr.Adapters.ApplicationState;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Redis;
using CausalEval.Dr.Tests.Fixtures;
using StackExchange.Redis;

namespace CausalEval.Dr.Tests.ApplicationState;

/// <summary>
/// Sessions (with their expiries), the evaluation queue and the model cache, backed up from a real Redis and
/// folder, then lost and changed, then restored: the live state equals what was backed up, nothing more.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Application_state_backup_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string root = RepoPaths.NewTempDirectory("appstate");
    private string Cache => Path.Combine(root, "model-cache");
    private int redisPid;
    private int port;

    public async Task InitializeAsync()
    {
        (redisPid, port) = await Ports.OnFreePortAsync("the test's Redis", ["127.0.0.1"],
            async candidate => (await LabRedis.StartAsync(Path.Combine(root, "redis"), "127.0.0.1", candidate), candidate));
    }

    public async Task DisposeAsync()
    {
        await DetachedProcess.StopAsync(redisPid, TimeSpan.FromSeconds(5));
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Restore_makes_the_live_state_equal_to_the_backup_expiries_strays_and_configuration_included()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
        var db = redis.GetDatabase();
        for (var i = 0; i < 25; i++)
        {
            await db.HashSetAsync($"session:{i:D3}", [new("user", $"analyst-{i}"), new("created", $"2026-11-28T0{i % 10}:00:00Z")]);
        }

        var inAnHour = DateTime.UtcNow.AddHours(1);
        await db.KeyExpireAsync("session:000", inAnHour);
        await db.ListRightPushAsync("evaluation-queue", Enumerable.Range(1, 40).Select(i => (RedisValue)$"eval-{i}").ToArray());
        Directory.CreateDirectory(Path.Combine(Cache, "embeddings"));
        var model = RandomNumberGenerator.GetBytes(300_000);
        var embeddings = RandomNumberGenerator.GetBytes(50_000);
        await File.WriteAllBytesAsync(Path.Combine(Cache, "model.bin"), model);
        await File.WriteAllBytesAsync(Path.Combine(Cache, "embeddings", "e1.bin"), embeddings);
        var config = Path.Combine(root, "config");
        Directory.CreateDirectory(Path.Combine(config, "nested"));
        await File.WriteAllTextAsync(Path.Combine(config, "app.json"), """{"replicas": 3}""");
        await File.WriteAllTextAsync(Path.Combine(config, "nested", "routes.yaml"), "api: primary\n");
        await File.WriteAllTextAsync(Path.Combine(config, "mode.env"), "MODE=dr\n");

        var options = new ApplicationStateOptions { Redis = $"127.0.0.1:{port}", ModelCacheDirectory = Cache };
        var environment = new DrEnvironment(azurite, "appstate", new DrSettings().ApplicationState($"127.0.0.1:{port}", Cache)
            .FileSet("ConfigurationBackup", config, "app.json", "nested", "mode.env"));
        var backup = await environment.RunCliAsync("run", "BackupApplicationState", "--json");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var before = await LiveApplicationState.ReadAsync(options);
        var snapshot = backup.Json["output"]!["snapshot"]!;
        Assert.Equal(25, snapshot["counts"]!["sessions"]!.GetValue<int>());
        Assert.Equal(1, snapshot["counts"]!["sessionsWithExpiry"]!.GetValue<int>());
        Assert.Equal(40, snapshot["counts"]!["queueLength"]!.GetValue<int>());
        Assert.Equal(2, snapshot["counts"]!["modelCacheFiles"]!.GetValue<int>());
        var backupId = backup.Json["output"]!["backupId"]!.GetValue<string>();
        var configBackup = await environment.RunCliAsync("backup", "run", "configuration", "--json");
        Assert.True(configBackup.ExitCode == 0, configBackup.Stdout + configBackup.Stderr);
        var configBackupId = configBackup.Json["output"]!["backupId"]!.GetValue<string>();

        // Lose it, change it, and add state that did not exist at backup time: a session with a TTL, a
        // TTL on a session the backup has without one, a stray cache file and folder, changed configuration.
        await redis.GetServer("127.0.0.1", port).FlushAllDatabasesAsync();
        await db.HashSetAsync("session:intruder", "user", "nobody");
        await db.KeyExpireAsync("session:intruder", TimeSpan.FromHours(2));
        await db.HashSetAsync("session:001", "user", "changed");
        await db.KeyExpireAsync("session:001", TimeSpan.FromHours(3));
        await db.ListRightPushAsync("evaluation-queue", "eval-after-backup");
        await File.WriteAllBytesAsync(Path.Combine(Cache, "model.bin"), [1, 2, 3]);
        File.Delete(Path.Combine(Cache, "embeddings", "e1.bin"));
        Directory.CreateDirectory(Path.Combine(Cache, "stray-folder"));
        await File.WriteAllTextAsync(Path.Combine(Cache, "stray-folder", "stale.bin"), "not in the backup");
        await File.WriteAllTextAsync(Path.Combine(Cache, "stale.tmp"), "not in the backup");
        await File.WriteAllTextAsync(Path.Combine(config, "app.json"), """{"replicas": 0}""");
        File.Delete(Path.Combine(config, "nested", "routes.yaml"));
        var restore = await environment.RunCliAsync("run", "RestoreApplicationState", "--input",
            $$"""{"backupId": "{{backupId}}", "configurationBackupId": "{{configBackupId}}"}""", "--json");
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        var output = restore.Json["output"]!;
        Assert.Equal(0, output["state"]!["expiredSessions"]!.GetValue<int>());
        Assert.Equal(2, output["state"]!["strayFilesRemoved"]!.GetValue<int>());
        Assert.Equal(3, output["configuration"]!["files"]!.GetValue<int>());

        var after = await LiveApplicationState.ReadAsync(options);
        Assert.Equal(before.Sessions, after.Sessions);
        Assert.Equal(before.SessionExpiresAtMs, after.SessionExpiresAtMs);
        Assert.Equal((long)(inAnHour - DateTime.UnixEpoch).TotalMilliseconds / 1000, after.SessionExpiresAtMs["session:000"] / 1000);
        Assert.Null(await db.KeyTimeToLiveAsync("session:001")); // no expiry, as backed up
        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"eval-{i}"), after.Queue);
        Assert.Equal(["embeddings/e1.bin", "model.bin"], after.ModelCache.Keys);
        Assert.Equal(model, after.ModelCache["model.bin"]);
        Assert.Equal(embeddings, after.ModelCache["embeddings/e1.bin"]);
        Assert.Equal(["embeddings"], Directory.EnumerateDirectories(Cache).Select(Path.GetFileName));
        Assert.Equal("""{"replicas": 3}""", await File.ReadAllTextAsync(Path.Combine(config, "app.json")));
        Assert.Equal("api: primary\n", await File.ReadAllTextAsync(Path.Combine(config, "nested", "routes.yaml")));
    }

    [Fact]
    public async Task A_session_whose_expiry_passed_since_the_backup_is_not_restored()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
        var db = redis.GetDatabase();
        await db.HashSetAsync("session:gone", "user", "was-here"); // live now, without an expiry
        var content = ApplicationStateContent.Empty();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        content.Sessions["session:gone"] = new(StringComparer.Ordinal) { ["user"] = "backed-up" };
        content.SessionExpiresAtMs["session:gone"] = now - 1_000;
        content.Sessions["session:kept"] = new(StringComparer.Ordinal) { ["user"] = "backed-up" };
        content.SessionExpiresAtMs["session:kept"] = now + 600_000;

        var written = await LiveApplicationState.WriteAsync(new ApplicationStateOptions { Redis = $"127.0.0.1:{port}", ModelCacheDirectory = Cache }, content);

        Assert.Equal((1, 1), (written.Sessions, written.ExpiredSessions));
        Assert.False(await db.KeyExistsAsync("session:gone"));
        Assert.Equal(now + 600_000, (long)await db.ExecuteAsync("PEXPIRETIME", "session:kept"));
    }

    [Fact]
    public async Task Restore_of_an_unknown_backup_fails_and_changes_nothing()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
        await redis.GetDatabase().StringSetAsync("session:keep", "x");
        var environment = new DrEnvironment(azurite, "appstate-unknown", new DrSettings().ApplicationState($"127.0.0.1:{port}", Cache));

        var restore = await environment.RunCliAsync("run", "RestoreApplicationState", "--input", """{"backupId": "nope"}""", "--json");

        Assert.Equal(2, restore.ExitCode); // bad input: no such backup
        Assert.Contains("no complete application-state backup 'nope'", restore.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
        Assert.Equal("x", (string?)await redis.GetDatabase().StringGetAsync("session:keep"));
    }
}
