using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// Manual failovers: a second request while one runs joins it (its id, nothing new started); a rejected or
/// timed-out approval leaves DNS, the roles and the DR state as they were.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Failover_requests_test
{
    [Fact]
    public async Task A_second_request_joins_and_a_rejected_or_timed_out_approval_changes_nothing()
    {
        await using var lab = await FailoverLab.StartAsync();
        var serial = await lab.SerialAsync();

        var first = await lab.Lab.RunAsync("failover", "--no-wait", "--approval-timeout", "120");
        Assert.True(first.ExitCode == 0, first.Stderr);
        var id = first.Stdout.Trim();
        var second = await lab.Lab.RunAsync("failover", "--no-wait");
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(id, second.Stdout.Trim());
        Assert.Contains("already running", second.Stderr);
        Assert.Single(await lab.FailoversAsync());

        await WaitAtApprovalAsync(lab, id);
        var rejected = await lab.Lab.RunAsync("reject", id, "--by", "test", "--reason", "not a real outage");
        Assert.True(rejected.ExitCode == 0, rejected.Stderr);
        var end = await lab.Serve!.WaitForEndAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("Failed", end["runtimeStatus"]!.GetValue<string>());
        Assert.Contains("not-approved", end.ToJsonString());
        await AssertNothingChangedAsync(lab, serial);

        var timedOut = await lab.Lab.RunAsync("failover", "--approval-timeout", "2", "--json");
        Assert.True(timedOut.ExitCode == 7, $"a failover nobody approved ends not approved (7), not {timedOut.ExitCode}:\n{timedOut.Stdout}{timedOut.Stderr}");
        var ids = (await lab.FailoversAsync()).Select(f => f.Id).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Contains(ids, i => i != id); // a new attempt after the rejected one, not the same id
        Assert.All(await lab.FailoversAsync(), f => Assert.Equal("Failed", f.Status));
        await AssertNothingChangedAsync(lab, serial);
    }

    private static async Task WaitAtApprovalAsync(FailoverLab lab, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode status;
        do
        {
            status = await lab.Serve!.StatusAsync(id);
            if (status["customStatus"]?["step"]?.GetValue<string>() == "approval")
            {
                return;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"{id} never reached its approval gate: {status.ToJsonString()}");
    }

    private static async Task AssertNothingChangedAsync(FailoverLab lab, long serial)
    {
        Assert.Equal(serial, await lab.SerialAsync());
        Assert.Equal(["127.0.1.1"], await lab.RecordAsync("db"));
        Assert.All(await lab.RecordAsync("api"), a => Assert.StartsWith("127.0.1.", a));
        var primary = await lab.NodeAsync("primary-db");
        Assert.True(primary.Writable && !primary.Fenced, $"primary-db changed: {primary}");
        Assert.Equal(NodeRole.Standby, (await lab.NodeAsync("secondary-db")).Role);
        Assert.Null(await lab.ServingPrimaryAsync()); // the DR state names no new primary
    }
}
