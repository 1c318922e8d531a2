using CausalEval.Dr.Lab;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Switchover;

/// <summary>
/// `dr drill switchover` on a fresh lab: under 50 writes/s through api., the service switches over to the secondary
/// and fails back home. Every acknowledged write is in the primary that serves at the end, each move left a gap
/// with acknowledged writes on both sides (the service moved, and came back), and the node that stepped aside
/// streams from the serving one — with an asynchronous standby, and with a synchronous one.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Switchover_under_load_loses_no_acknowledged_write_test
{
    [Fact]
    public Task With_an_asynchronous_standby() => DrillAsync(synchronous: false);

    [Fact]
    public Task With_a_synchronous_standby() => DrillAsync(synchronous: true);

    private static async Task DrillAsync(bool synchronous)
    {
        var state = RepoPaths.NewTempDirectory("switchover");
        var topology = Path.Combine(state, "lab.topology.json");
        await File.WriteAllTextAsync(topology, (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "config", "lab.topology.json")))
            .Replace("\"synchronous\": false", $"\"synchronous\": {(synchronous ? "true" : "false")}", StringComparison.Ordinal));
        try
        {
            var drill = await LabFixture.RunDrAsync(state, "drill", "switchover", "--rounds", "1", "--rate", "50", "--json", "--keep-lab", "--topology",
                topology);
            Assert.True(drill.ExitCode == 0, $"drill failed ({drill.ExitCode}):\n{drill.Stdout}\n{drill.Stderr}");
            var report = drill.Json;
            var moves = report["moves"]!.AsArray();
            Assert.Equal(["Switchover", "Failback"], moves.Select(m => m!["runbook"]!.GetValue<string>()));
            Assert.All(moves, m => Assert.Equal("succeeded", m!["outcome"]!.GetValue<string>()));
            Assert.All(moves, m => Assert.NotNull(m!["clientGap"])); // acknowledged writes on both sides of each move
            Assert.Empty(report["lostAcknowledged"]!.AsArray());
            Assert.True(report["acknowledged"]!.GetValue<int>() > 200, $"too few writes acknowledged to prove anything: {report["acknowledged"]}");
            Assert.Equal("primary-db", report["servingNode"]!.GetValue<string>());
            Assert.Equal("streaming", report["standby"]!["upstream"]!["status"]!.GetValue<string>());

            // Back home, the standby is what the topology made it: synchronous or not.
            var lab = LabState.Load(Path.Combine(state, "lab"))!;
            var primary = lab.Processes.Single(p => p.Name == "postgres-primary");
            var syncState = await Sql.ScalarAsync(lab.ConnectionString(primary.Address, primary.Ports[0], "postgres"),
                "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'secondary'");
            Assert.Equal(synchronous ? "sync" : "async", syncState);
        }
        finally
        {
            await LabFixture.RunDrAsync(state, "lab", "down");
        }
    }
}
