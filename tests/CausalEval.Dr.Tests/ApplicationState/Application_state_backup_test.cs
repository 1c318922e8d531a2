using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Redis;
using CausalEval.Dr.Tests.Fixtures;
using StackExchange.Redis;

namespace CausalEval.Dr.Tests.ApplicationState;

/// <summary>
/// Sessions, the evaluation queue and the model cache, backed up from a real Redis and folder, then lost,
/// then restored: the restored state equals what was backed up.
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
        port = Ports.FreePort("127.0.0.1");
        redisPid = await LabRedis.StartAsync(Path.Combine(root, "redis"), "127.0.0.1", port);
    }

    public async Task DisposeAsync()
    {
        await DetachedProcess.StopAsync(redisPid, TimeSpan.FromSeconds(5));
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Restore_brings_back_the_same_sessions_queue_and_model_cache()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
        var db = redis.GetDatabase();
        for (var i = 0; i < 25; i++)
        {
            await db.HashSetAsync($"session:{i:D3}", [new("user", $"analyst-{i}"), new("created", $"2026-11-28T0{i % 10}:00:00Z")]);
        }

        await db.ListRightPushAsync("evaluation-queue", Enumerable.Range(1, 40).Select(i => (RedisValue)$"eval-{i}").ToArray());
        Directory.CreateDirectory(Path.Combine(Cache, "embeddings"));
        var model = RandomNumberGenerator.GetBytes(300_000);
        var embeddings = RandomNumberGenerator.GetBytes(50_000);
        await File.WriteAllBytesAsync(Path.Combine(Cache, "model.bin"), model);
        await File.WriteAllBytesAsync(Path.Combine(Cache, "embeddings", "e1.bin"), embeddings);

        var environment = new DrEnvironment(azurite, "appstate", new DrSettings().ApplicationState($"127.0.0.1:{port}", Cache));
        var backup = await environment.RunCliAsync("run", "BackupApplicationState", "--json");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var snapshot = backup.Json["output"]!["snapshot"]!;
        Assert.Equal(25, snapshot["counts"]!["sessions"]!.GetValue<int>());
        Assert.Equal(40, snapshot["counts"]!["queueLength"]!.GetValue<int>());
        Assert.Equal(2, snapshot["counts"]!["modelCacheFiles"]!.GetValue<int>());
        var backupId = backup.Json["output"]!["backupId"]!.GetValue<string>();

        // Lose it all, and add state that did not exist at backup time.
        await redis.GetServer("127.0.0.1", port).FlushAllDatabasesAsync();
        await db.HashSetAsync("session:intruder", "user", "nobody");
        await db.ListRightPushAsync("evaluation-queue", "eval-after-backup");
        Directory.Delete(Cache, recursive: true);

        var restore = await environment.RunCliAsync("run", "RestoreApplicationState", "--input", $$"""{"backupId": "{{backupId}}"}""", "--json");
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);

        Assert.False(await db.KeyExistsAsync("session:intruder"));
        for (var i = 0; i < 25; i++)
        {
            Assert.Equal($"analyst-{i}", (string?)await db.HashGetAsync($"session:{i:D3}", "user"));
        }

        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"eval-{i}"), (await db.ListRangeAsync("evaluation-queue")).Select(v => (string)v!));
        Assert.Equal(model, await File.ReadAllBytesAsync(Path.Combine(Cache, "model.bin")));
        Assert.Equal(embeddings, await File.ReadAllBytesAsync(Path.Combine(Cache, "embeddings", "e1.bin")));
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
