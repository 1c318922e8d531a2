using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// A 1 s pause (SIGSTOP) of the primary's PostgreSQL, of a workload or of the primary's agent, repeated, while
/// the monitor probes once a second: the standby keeps streaming through a pause, so no round fails from both
/// vantage points, and no failover starts.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Blips_never_start_a_failover_test
{
    [Fact]
    public async Task Repeated_one_second_pauses_start_no_failover()
    {
        await using var lab = await FailoverLab.StartAsync();
        var roundBefore = await lab.MonitorRoundAsync();
        foreach (var service in new[] { "postgres-primary", "workload-primary-1", "postgres-primary", "agent-primary", "postgres-primary",
            "workload-primary-2" })
        {
            var paused = await lab.Lab.RunAsync("lab", "pause", service, "--seconds", "1");
            Assert.True(paused.ExitCode == 0, paused.Stderr);
            await Task.Delay(500);
        }

        await Task.Delay(TimeSpan.FromSeconds(3)); // rounds after the last blip
        // No failover, and not because the monitor slept through it: it probed all along (once a second, each at most 0.5 s).
        var rounds = await lab.MonitorRoundAsync() - roundBefore;
        Assert.True(rounds >= 6, $"the monitor ran {rounds} rounds across the blips: it must have probed through them for 'no failover' to mean anything");
        Assert.Empty(await lab.FailoversAsync());
        await lab.WaitMonitorHealthyAsync();
        Assert.True((await lab.NodeAsync("primary-db")).Writable);
        Assert.Equal(["127.0.1.1"], await lab.RecordAsync("db"));
    }
}
