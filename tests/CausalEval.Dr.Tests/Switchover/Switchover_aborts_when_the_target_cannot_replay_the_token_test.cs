using System.Net.Http.Json;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Tests.Failover;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Switchover;

/// <summary>
/// A switchover whose target cannot reach the demoted primary's token in time (its replay is paused, so it never
/// replays past the shutdown checkpoint) is refused, and its undo puts everything back: the old primary serves,
/// writable, unfenced; the target is still its streaming standby; db. and api. name the old region; the DR state
/// is untouched; a write through api. works.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Switchover_aborts_when_the_target_cannot_replay_the_token_test
{
    [Fact]
    public async Task The_old_primary_serves_again_and_nothing_moved()
    {
        await using var lab = await FailoverLab.StartAsync(monitor: false);
        var standby = lab.Lab.ConnectionString("secondary-db", "postgres");
        await Sql.ExecuteAsync(standby, "SELECT pg_wal_replay_pause()");
        var api = await lab.RecordAsync("api");

        var switchover = await lab.Environment.RunCliAsync("switchover", "--approve", "--token-timeout", "2", "--json");
        await Sql.ExecuteAsync(standby, "SELECT pg_wal_replay_resume()");

        Assert.True(switchover.ExitCode != 0, $"the switchover did not fail:\n{switchover.Stdout}");
        Assert.Contains("secondary-db cannot be promoted without loss", switchover.Stdout + switchover.Stderr);
        var old = await lab.NodeAsync("primary-db");
        Assert.Equal((NodeRole.Primary, true, false), (old.Role, old.Writable, old.Fenced));
        Assert.Null(await lab.ServingPrimaryAsync());
        Assert.Equal(["127.0.1.1"], await lab.RecordAsync("db"));
        Assert.Equal(api, await lab.RecordAsync("api"));

        // The standby streams from it again, and the service takes writes through its public name.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        NodeStatus target;
        while ((target = await lab.NodeAsync("secondary-db")).Upstream?.Status != "streaming" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal((NodeRole.Standby, false, "streaming"), (target.Role, target.Fenced, target.Upstream?.Status));
        // As a client would: the restarted primary cut the instance's pooled connections, so its first write may fail (and clears the pool).
        using var http = new HttpClient();
        var answers = new List<string>();
        for (var attempt = 0; attempt < 3 && !answers.Any(a => a.StartsWith("201", StringComparison.Ordinal)); attempt++)
        {
            using var written = await http.PostAsJsonAsync($"http://{api[0]}:{lab.Lab.State.Ports["workload"]}/evaluations",
                new { clientId = "after-abort", payload = new { n = attempt } });
            answers.Add($"{(int)written.StatusCode} {await written.Content.ReadAsStringAsync()}");
        }

        Assert.True(answers[^1].StartsWith("201", StringComparison.Ordinal), string.Join("\n", answers));
    }
}
