using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;
using StackExchange.Redis;

namespace CausalEval.Dr.Tests.Recovery;

/// <summary>
/// The lab with its cold third region ("dr": nothing runs there). Rows are committed on the primary (some
/// after the last base backup, only in the WAL archive), a session lives in its Redis and is backed up. Then
/// the primary and the secondary regions are both killed. `dr recover-region dr` builds the service there
/// from the store alone: a writable primary with every archived row, the session, `db.` and `api.` pointing
/// at the region, a write through the public name read back, the DR state naming the new primary, and its
/// new timeline archived.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Region_recovery_after_both_live_regions_are_lost_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Recover_region_serves_every_archived_commit_from_the_cold_region()
    {
        var primary = lab.State.Find("postgres-primary")!;
        var live = lab.State.ConnectionString(primary.Address, primary.Ports[0]);
        Assert.DoesNotContain(LabState.Load(lab.LabDirectory)!.Processes, p => p.Region == "dr"); // cold
        await Sql.ExecuteAsync(live, "CREATE TABLE survivors (batch int, n int); INSERT INTO survivors SELECT 1, g FROM generate_series(1, 50) g");
        var backup = await lab.RunAsync("backup", "run", "database", "--json");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        await Sql.ExecuteAsync(live, "INSERT INTO survivors SELECT 2, g FROM generate_series(1, 50) g");
        await using (var redis = await ConnectionMultiplexer.ConnectAsync($"{primary.Address}:{lab.State.Ports["redis"]}"))
        {
            await redis.GetDatabase().HashSetAsync("session:survivor", "user", "analyst");
        }

        var state = await lab.RunAsync("backup", "run", "application-state", "--json");
        Assert.True(state.ExitCode == 0, state.Stdout + state.Stderr);
        await Sql.SwitchAndWaitArchivedAsync(live); // batch 2 is only in the archive

        foreach (var region in new[] { "primary", "secondary" })
        {
            var killed = await lab.RunAsync("lab", "kill", region);
            Assert.True(killed.ExitCode == 0, killed.Stderr);
        }

        var recovered = await lab.RunAsync("recover-region", "dr", "--approve", "--by", "test", "--json");

        Assert.True(recovered.ExitCode == 0, recovered.Stdout + recovered.Stderr);
        var output = recovered.Json["output"]!;
        var dr = LabState.Load(lab.LabDirectory)!.Processes.First(p => p.Name == "agent-dr").Address;
        var drDb = lab.State.ConnectionString(dr, lab.State.Ports["postgres"]);
        Assert.Equal(100L, await Sql.ScalarAsync(drDb, "SELECT count(*) FROM survivors"));
        Assert.Equal(false, await Sql.ScalarAsync(drDb, "SELECT pg_is_in_recovery()"));
        var dns = await LabStatus.DnsAsync(LabState.Load(lab.LabDirectory)!);
        Assert.Equal([dr], dns["db"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.All(dns["api"]!.AsArray(), a => Assert.StartsWith("127.0.3.", a!.GetValue<string>()));
        Assert.Equal(1, output["applicationState"]!["sessions"]!.GetValue<int>());
        await using (var redis = await ConnectionMultiplexer.ConnectAsync($"{dr}:{lab.State.Ports["redis"]}"))
        {
            Assert.Equal("analyst", (string?)await redis.GetDatabase().HashGetAsync("session:survivor", "user"));
        }

        Assert.NotNull(output["verified"]);
        Assert.Null(output["swappedIn"]!["result"]!["replaced"]); // the cold node had no data directory to keep
        var serving = await new ServingPrimaryStore(new LocalDirectoryObjectStore(LabSettings.BackupStore(lab.LabDirectory))).ReadAsync();
        Assert.Equal(("dr", "dr-db", 1), (serving!.Region, serving.Node, serving.Epoch));

        // The new primary archives its timeline through its own agent: a switched segment reaches the store.
        await Sql.ExecuteAsync(drDb, "INSERT INTO survivors SELECT 3, g FROM generate_series(1, 10) g");
        await Sql.SwitchAndWaitArchivedAsync(drDb);
        Assert.Equal(0L, await Sql.ScalarAsync(drDb, "SELECT failed_count FROM pg_stat_archiver"));
    }
}
