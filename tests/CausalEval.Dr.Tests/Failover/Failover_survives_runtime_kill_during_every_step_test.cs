using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// The failover runbook, started by the monitor after `dr lab kill primary`, with the local runtime SIGKILLed
/// in the middle of every one of its steps (each step's activity is held once, the host killed while it is
/// held, and started again). It completes; the standby was promoted once (one new timeline); and PowerDNS's
/// own SOA serial rose exactly as often as a clean run changes records: no DNS change twice.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Failover_survives_runtime_kill_during_every_step_test
{
    private static readonly string[] Steps =
    [
        "AssessFailover", "FindRunningInstances", "SetRegionDrain", "FenceOldPrimary", "RecordServingPrimary", "PromoteNode", "PromoteCache",
        "SwitchDnsRecord", "WarmUpRegion", "VerifyService", "TakeBaseBackup", "ScaleRegion",
    ];

    /// <summary>A clean run changes db, api (to the running instance), api again (adding the scaled one).</summary>
    private const int DnsChanges = 3;

    [Fact]
    public async Task Failover_completes_with_one_promotion_and_each_dns_change_once()
    {
        await using var lab = await FailoverLab.StartAsync(new Dictionary<string, string>
        {
            ["DR_Diagnostics__HoldActivitiesOnce"] = string.Join(',', Steps),
            ["DR_Diagnostics__HoldMilliseconds"] = "2500",
            ["DR_Runtime__WorkItemVisibilityTimeoutSeconds"] = "4",
        });
        var serial = await lab.SerialAsync();
        var holds = Path.Combine(lab.Lab.StateDirectory, "holds");

        var killed = await lab.Lab.RunAsync("lab", "kill", "primary");
        Assert.True(killed.ExitCode == 0, killed.Stderr);

        var interrupted = new List<string>();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        string? status = null;
        while (DateTime.UtcNow < deadline)
        {
            var fresh = Directory.Exists(holds) ? Directory.GetFiles(holds).Select(Path.GetFileName).Except(interrupted).ToList() : [];
            if (fresh.Count > 0)
            {
                await Task.Delay(300); // well inside the held step
                interrupted.AddRange(fresh!);
                await lab.RestartServeAsync();
                continue;
            }

            var failovers = await lab.FailoversAsync();
            if (failovers.FirstOrDefault().Status is "Completed" or "Failed" or "Terminated")
            {
                status = failovers[0].Status;
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(status == "Completed", $"failover ended {status ?? "never"} after interrupting {string.Join(", ", interrupted)}\n{lab.Serve!.Log}");
        Assert.All(Steps, step => Assert.Contains(interrupted, h => h!.StartsWith(step + "-", StringComparison.Ordinal)));
        Assert.Equal(17, interrupted.Count); // every call of every step: the three record switches, two warm-ups, two DR state writes

        var promoted = await lab.NodeAsync("secondary-db");
        Assert.Equal(NodeRole.Primary, promoted.Role);
        Assert.Equal(2, promoted.Timeline); // promoted once: timeline 1 → 2
        Assert.Single(await lab.FailoversAsync());
        var serving = await lab.ServingPrimaryAsync();
        Assert.Equal(("secondary-db", 1, 2), (serving!.Node, serving.Epoch, serving.Timeline));
        Assert.Equal(serial + DnsChanges, await lab.SerialAsync());
        Assert.Equal(["127.0.2.1"], await lab.RecordAsync("db"));
        Assert.Equal(["127.0.2.11", "127.0.2.12"], await lab.RecordAsync("api"));
    }
}
