using System.Net;
using System.Text;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// Anyone holding the API token could disable automatic failover: a runbook started as <c>health-monitor</c> kept the
/// monitor from ever starting, one started as <c>failover-…</c> made every failover "join" it, and a manual failover
/// claiming <c>{"trigger": "monitor"}</c> skipped its approval gate and set when the outage was detected. Now each of
/// those starts is refused (400, naming the field or the id), a raised approval without who decides is refused, and
/// the real monitor, running all along, still fails over by itself when the primary region dies.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Forged_starts_and_squatted_ids_never_stop_automatic_failover_test
{
    [Fact]
    public async Task Every_forgery_is_refused_and_the_monitor_still_fails_over()
    {
        await using var lab = await FailoverLab.StartAsync();
        var http = lab.Serve!.Http;
        (string Path, string Body, string Error)[] forgeries =
        [
            ("/api/orchestrators/DiagnosticApproval?instanceId=health-monitor", "{}", "'health-monitor' is reserved for HealthMonitor"),
            ("/api/orchestrators/DiagnosticApproval?instanceId=failover-epoch-1-1", "{}", "is reserved for Failover"),
            ("/api/orchestrators/Failover?instanceId=failover-epoch-1-1", "{}", "a Failover's id is chosen by its starter"),
            ("/api/orchestrators/Failover", """{"trigger": "monitor", "detectedAt": "2026-01-01T00:00:00Z"}""", "trigger: set by the starter"),
            ("/api/orchestrators/Failover", """{"preApproved": true}""", "approvedBy: who approves is required with preApproved"),
            ("/api/instances/health-monitor/raiseEvent/Approve", "{}", "by: who decides is required"),
        ];
        foreach (var (path, body, error) in forgeries)
        {
            using var answer = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {(int)answer.StatusCode} {text}");
            Assert.Contains(error, text);
        }

        Assert.Empty(await lab.FailoversAsync());
        Assert.Equal("HealthMonitor", (await lab.Serve.StatusAsync("health-monitor"))["name"]!.GetValue<string>());

        Assert.True((await lab.Lab.RunAsync("lab", "kill", "primary")).ExitCode == 0);
        Assert.Equal("Completed", await lab.WaitForFailoverEndAsync(TimeSpan.FromMinutes(2)));
        var (id, _) = Assert.Single(await lab.FailoversAsync());
        Assert.Equal("monitor", (await lab.Serve.StatusAsync(id))["input"]!["trigger"]!.GetValue<string>()); // started by the monitor, not by a forgery
        Assert.Equal("secondary-db", (await lab.ServingPrimaryAsync())!.Node);
    }
}
