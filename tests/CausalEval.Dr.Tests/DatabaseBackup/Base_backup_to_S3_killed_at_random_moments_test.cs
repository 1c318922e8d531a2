using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.DatabaseBackup;

/// <summary>
/// The host is SIGKILLed at ten random moments of base backups to S3 (s3rver, 1 MiB parts so every backup
/// is many parts). After the reruns and their retention step: no part that no object references, no
/// multipart upload hidden in s3rver, and every complete backup listed passes `dr backup verify`.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Base_backup_to_S3_killed_at_random_moments_test(AzuriteFixture azurite, S3rverFixture s3rver) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private const int Kills = 10;
    private readonly string bucket = ("k" + Guid.NewGuid().ToString("N"))[..20];
    private PostgresCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PostgresCluster.StartAsync("s3-kill");

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Ten_kills_leave_no_unfinished_upload_and_no_bad_complete_backup()
    {
        var store = new StorageOptions { Kind = "s3", Container = bucket,
            S3 = { ServiceUrl = s3rver.ServiceUrl, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" } };
        var environment = new DrEnvironment(azurite, "s3-kill", new DrSettings().Store(store).Database(cluster.Port)
            .Set("Storage:PartSizeMiB", "1")
            .Set("Runtime:WorkItemVisibilityTimeoutSeconds", "3") // a killed step is handed out again soon after the restart
            .Set("Retention:UnfinishedGraceMinutes", "0"));
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var instances = new List<string>();
        var log = new List<string>();
        for (var kill = 0; kill < Kills; kill++)
        {
            await using var serve = environment.Serve();
            foreach (var earlier in instances)
            {
                var end = await serve.WaitForEndAsync(earlier, TimeSpan.FromMinutes(2));
                Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", $"seed {seed}: {end.ToJsonString()}\n{serve.Log}");
            }

            instances.Add(await serve.StartAsync("BackupDatabase"));
            var delay = random.Next(0, 2500); // a backup takes about 1–2 s here: kills land before, during and after its upload
            log.Add($"kill {kill + 1} {delay} ms after the start");
            await Task.Delay(delay);
            serve.Kill();
        }

        await using (var last = environment.Serve())
        {
            var end = await last.WaitForEndAsync(instances[^1], TimeSpan.FromMinutes(2));
            Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", $"seed {seed}: {end.ToJsonString()}\n{last.Log}");
        }

        using var client = S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER");
        var objects = new S3ObjectStore(client, bucket);
        Assert.Empty((await objects.ListUnfinishedAsync("")).Select(u => u.Handle));
        var hidden = Directory.EnumerateFiles(Path.Combine(s3rver.DataDirectory, bucket), "*", SearchOption.AllDirectories)
            .Where(f => f.Contains("_S3rver_uploads", StringComparison.Ordinal)).ToList();
        Assert.Empty(hidden);

        var complete = (await new BackupCatalog(objects).ListAsync(BackupKind.Database, DateTimeOffset.UtcNow))
            .Where(e => e.Manifest is not null).ToList();
        Assert.NotEmpty(complete);
        // Three verifies at a time: each restores and runs pg_verifybackup in its own process.
        using var slots = new SemaphoreSlim(3);
        var verified = await Task.WhenAll(complete.Select(async backup =>
        {
            await slots.WaitAsync();
            try
            {
                return (backup.BackupId, Result: await environment.RunCliAsync("backup", "verify", backup.BackupId));
            }
            finally
            {
                slots.Release();
            }
        }));
        foreach (var (id, verify) in verified)
        {
            Assert.True(verify.ExitCode == 0, $"seed {seed}, {string.Join("; ", log)}: {id} fails verify: {verify.Stdout}{verify.Stderr}");
        }
    }
}
