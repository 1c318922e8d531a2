using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Tests.Failover;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Switchover;

/// <summary>
/// When pg_rewind cannot rewind the old primary (here: the WAL it must read from the split onwards is gone from
/// its pg_wal), `dr reprotect` copies the new primary afresh instead, records why, and the node ends a streaming,
/// unfenced standby, its own settings (port, address) kept.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Reprotect_falls_back_to_a_base_backup_when_pg_rewind_cannot_test
{
    [Fact]
    public async Task The_old_primary_is_rebuilt_and_the_reason_recorded()
    {
        await using var lab = await FailoverLab.StartAsync(monitor: false);
        Assert.True((await lab.Lab.RunAsync("lab", "kill", "primary")).ExitCode == 0);
        var failover = await lab.Environment.RunCliAsync("failover", "--approve", "--json");
        Assert.True(failover.ExitCode == 0, $"failover failed:\n{failover.Stdout}\n{failover.Stderr}");
        Assert.True((await lab.Lab.RunAsync("lab", "revive", "primary")).ExitCode == 0);

        using (var agents = lab.Lab.Agents())
        {
            var stopped = await agents.For("primary-db").StopAsync();
            Assert.Equal(NodeRole.Stopped, stopped.Role);
        }

        var data = Path.Combine(lab.Lab.LabDirectory, "run", "pg-primary", "data");
        var segments = Directory.GetFiles(Path.Combine(data, "pg_wal")).Where(f => Path.GetFileName(f).Length == 24).ToList();
        Assert.NotEmpty(segments);
        segments.ForEach(File.Delete);

        var reprotect = await lab.Environment.RunCliAsync("reprotect", "--json");
        Assert.True(reprotect.ExitCode == 0, $"reprotect failed:\n{reprotect.Stdout}\n{reprotect.Stderr}");
        var output = reprotect.Json["output"]!;
        Assert.Equal("base-backup", output["method"]!.GetValue<string>());
        Assert.StartsWith("pg_rewind could not:", output["reason"]!.GetValue<string>());
        var standby = await lab.NodeAsync("primary-db");
        Assert.Equal((NodeRole.Standby, false, "streaming", "127.0.2.1"),
            (standby.Role, standby.Fenced, standby.Upstream?.Status, standby.Upstream?.SenderHost));
        Assert.Equal(1, await Sql.ScalarAsync(lab.Lab.ConnectionString("primary-db", "postgres"), "SELECT 1")); // on its own address and port
        Assert.True(Directory.GetDirectories(Path.Combine(lab.Lab.LabDirectory, "run", "pg-primary"), "data.replaced-*").Length == 1,
            "the rewound-away directory is kept aside");
    }
}
