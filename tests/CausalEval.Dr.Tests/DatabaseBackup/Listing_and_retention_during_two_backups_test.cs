using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.DatabaseBackup;

/// <summary>
/// Two base backups run at once (throttled, so their heartbeats are rewritten several times) while the
/// catalog is listed and retention applied in a tight loop against the same store: no listing or retention
/// run fails, and both backups end complete and pass `dr backup verify`.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Listing_and_retention_during_two_backups_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private PostgresCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PostgresCluster.StartAsync("list-race");

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Listing_and_retention_never_fail_while_two_backups_rewrite_their_heartbeats()
    {
        var environment = new DrEnvironment(azurite, "list-race", new DrSettings().LocalStore(cluster.Store).Database(cluster.Port)
            .Set("Database:MaxRateKbps", "3072")); // ~40 MB in ~13 s: two heartbeats or more each
        var catalog = new BackupCatalog(new LocalDirectoryObjectStore(cluster.Store));
        var retention = new ApplyRetention(catalog, new ConfigurationBuilder().Build(), NullLogger<ApplyRetention>.Instance);
        await using var serve = environment.Serve();
        var ids = new[] { await serve.StartAsync("BackupDatabase"), await serve.StartAsync("BackupDatabase") };

        var (rounds, failures) = (0, new List<string>());
        var ends = ids.Select(id => serve.WaitForEndAsync(id, TimeSpan.FromMinutes(3))).ToList();
        while (!ends.All(t => t.IsCompleted))
        {
            try
            {
                var entries = await catalog.ListAsync(BackupKind.Database, DateTimeOffset.UtcNow);
                failures.AddRange(entries.Where(e => e.Status == BackupStatus.Unreadable).Select(e => $"{e.BackupId}: {e.Detail}"));
                await retention.RunAsync(null!, new ApplyRetentionInput(BackupKind.Database, KeepCount: null, KeepDays: null, NowUtc: DateTimeOffset.UtcNow));
                rounds++;
            }
            catch (Exception e)
            {
                failures.Add(e.Message);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failures in {rounds} rounds, first: {failures.FirstOrDefault()}");
        Assert.True(rounds > 20, $"only {rounds} rounds raced the backups");
        foreach (var end in await Task.WhenAll(ends))
        {
            Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", end.ToJsonString() + serve.Log);
            var verify = await environment.RunCliAsync("backup", "verify", end["output"]!["backupId"]!.GetValue<string>());
            Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        }
    }
}
