using System.Text.Json.Nodes;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Cli;

/// <summary>`dr runbooks --json`: every runbook with the policies its row declares, and the schedules in force.</summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Runbook_catalogue_test(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_catalogue_shows_each_rows_policies_and_a_schedule_overridden_in_settings()
    {
        var environment = new DrEnvironment(azurite, "cli-catalogue", new Dictionary<string, string> { ["DR_Schedules__LogsBackup"] = "0 30 3 * * *" });

        var result = await environment.RunCliAsync("runbooks", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var rows = result.Json.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!);
        Assert.Equal(RunbookRegistry.All.Select(r => r.Name).Order(), rows.Keys.Order());
        Assert.Equal(("move", "join-running", "failover-", "yes", "critical", "with-timeout"),
            Policies(rows["Failover"]));
        Assert.Equal(("recovery", "plain", null, "with replace", null, "pre-approval"), Policies(rows["RecoverDatabase"]));
        Assert.Equal("with replace", rows["RecoverDatabase"]["gated"]!.GetValue<string>());
        Assert.Equal(["pitr", "restore"], rows["RecoverDatabase"]["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(("monitor", "fixed-id", "health-monitor", "no", null, "none"), Policies(rows["HealthMonitor"]));
        Assert.Equal("Failover", rows["HealthMonitor"]["starts"]!.GetValue<string>());
        Assert.Equal("database", rows["CheckWalArchive"]["provesRpoOf"]!.GetValue<string>());
        Assert.Equal("LogsBackup (0 30 3 * * *)", rows["BackupLogs"]["schedule"]!.GetValue<string>());
        Assert.Equal(["base backup", "retention", "wal retention"], rows["BackupDatabase"]["plannedSteps"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(("move", "no"), (rows["RollingRestart"]["category"]!.GetValue<string>(), rows["RollingRestart"]["moves"]!.GetValue<string>()));
    }

    private static (string, string, string?, string, string?, string) Policies(JsonNode row) =>
        (row["category"]!.GetValue<string>(), row["start"]!.GetValue<string>(), row["reservedId"]?.GetValue<string>(), row["moves"]!.GetValue<string>(),
            row["rtoTier"]?.GetValue<string>(), row["gate"]!.GetValue<string>());
}
