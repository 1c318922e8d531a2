using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.DatabaseBackup;

/// <summary>
/// The host is SIGKILLed while a (throttled) base backup is uploading. Until the backup is rerun it lists
/// as running or failed, never complete, and cannot be verified; after a restart the runtime reruns the
/// step and the same backup id completes and passes pg_verifybackup.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Backup_killed_mid_upload_is_never_complete_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private PostgresCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PostgresCluster.StartAsync("backup-kill");

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Backup_killed_mid_upload_lists_as_not_complete_and_completes_after_restart()
    {
        var environment = new DrEnvironment(azurite, "backup-kill", new DrSettings().LocalStore(cluster.Store).Database(cluster.Port)
            .Set("Database:MaxRateKbps", "32") // pg_basebackup's slowest: the ~40 MB cluster would take minutes
            .Set("Runtime:WorkItemVisibilityTimeoutSeconds", "5")); // the killed step is handed out again soon after the restart
        var catalog = new BackupCatalog(new LocalDirectoryObjectStore(cluster.Store));

        string instanceId, backupId;
        await using (var first = environment.Serve())
        {
            instanceId = await first.StartAsync("BackupDatabase");
            backupId = await BackupIdOfAsync(first, instanceId);

            // Mid-upload: the heartbeat shows bytes sent, and there is no manifest.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await catalog.TryGetProgressAsync(BackupKind.Database, backupId))?.SentBytes is not > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no progress within 60 s:\n" + first.Log);
                await Task.Delay(200);
            }

            first.Kill();
        }

        var list = await environment.RunCliAsync("backup", "list", "--json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var status = list.Json.AsArray().Single(b => b!["id"]!.GetValue<string>() == backupId)!["status"]!.GetValue<string>();
        Assert.Contains(status, new[] { "running", "failed" });
        Assert.Null(await catalog.TryGetAsync(BackupKind.Database, backupId));
        var verify = await environment.RunCliAsync("backup", "verify", backupId);
        Assert.Equal(2, verify.ExitCode);

        // Restart without the throttle: the runtime reruns the interrupted step under the same backup id.
        environment.Variables.Remove("DR_Database__MaxRateKbps");
        await using (var second = environment.Serve())
        {
            var end = await second.WaitForEndAsync(instanceId, TimeSpan.FromMinutes(3));
            Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", end.ToJsonString() + second.Log);
            Assert.Equal(backupId, end["output"]!["backupId"]!.GetValue<string>());
        }

        var after = await environment.RunCliAsync("backup", "verify", backupId);
        Assert.True(after.ExitCode == 0, after.Stdout + after.Stderr);
    }

    private static async Task<string> BackupIdOfAsync(ServeProcess serve, string instanceId)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await serve.StatusAsync(instanceId))["customStatus"]?["subject"]?.GetValue<string>() is { } id)
            {
                return id;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the backup never started:\n" + serve.Log);
    }
}
