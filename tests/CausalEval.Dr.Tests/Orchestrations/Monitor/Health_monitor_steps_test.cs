using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Monitor;

/// <summary>The HealthMonitor runbook on a scripted context: rounds, when it starts the failover, what it hands it, and its next execution.</summary>
public sealed class Health_monitor_steps_test
{
    private static readonly MonitorOptions Settings = new() { Enabled = true, IntervalSeconds = 1, FailedRoundsToAct = 2 };

    private static HealthRound Round(DateTime at, RoundVerdict verdict, MonitorOptions? settings = null) =>
        new(at, verdict, "primary", "primary-db", "secondary-db", DatabaseDirect: verdict == RoundVerdict.Healthy, DatabaseAgent: false,
            StandbyStreaming: verdict == RoundVerdict.Healthy, ApiHealthy: 0, ApiChecked: 2, PrimaryFlushLsn: verdict == RoundVerdict.Healthy ? "0/3000060"
                : null,
            Detail: verdict.ToString(), Settings: settings ?? Settings);

    /// <summary>Rounds answer <paramref name="verdicts"/> in turn (then healthy); the failover start answers a new instance.</summary>
    private static ScriptedOrchestrationContext Scripted(params RoundVerdict[] verdicts)
    {
        var context = new ScriptedOrchestrationContext();
        return context
            .On(nameof(ProbeServingRegion), (_, n) => Round(context.CurrentUtcDateTime, n <= verdicts.Length ? verdicts[n - 1] : RoundVerdict.Healthy))
            .On(nameof(StartFailover), (_, _) => new FailoverStarted("failover-epoch-1-1", Joined: false));
    }

    private static List<StartFailoverInput> Starts(ScriptedOrchestrationContext context) =>
        context.Inputs.Where(i => i.Activity == nameof(StartFailover)).Select(i => (StartFailoverInput)i.Input!).ToList();

    [Fact]
    public async Task Two_failed_rounds_in_a_row_start_one_failover_with_the_evidence_and_the_rto_clock_at_the_first()
    {
        var context = Scripted(RoundVerdict.Healthy, RoundVerdict.Failed, RoundVerdict.Failed);

        var state = await new HealthMonitor().RunAsync(context, null);

        var start = Starts(context).Single();
        Assert.Equal(("Failover", 2), (start.Runbook, start.Evidence.Count));
        var failover = start.FailoverInput.Deserialize<FailoverInput>(DrJson.Options)!;
        Assert.Equal((FailoverInput.MonitorTrigger, start.Evidence[0].At, "0/3000060"), (failover.Trigger, failover.DetectedAt, failover.LastPrimaryLsn));
        Assert.Equal("failover-epoch-1-1", state.LastFailover);
        Assert.Same(context.ContinuedWith, state); // one execution is 20 rounds; the next goes on with this state
        Assert.Equal(20, state.Round);
    }

    [Fact]
    public async Task Failed_rounds_that_are_not_in_a_row_or_inconclusive_ones_start_nothing()
    {
        var context = Scripted(RoundVerdict.Failed, RoundVerdict.Healthy, RoundVerdict.Failed, RoundVerdict.Inconclusive, RoundVerdict.Inconclusive);

        await new HealthMonitor().RunAsync(context, null);

        Assert.Empty(Starts(context));
    }

    [Fact]
    public async Task With_automatic_failover_off_failed_rounds_start_nothing()
    {
        var manual = new MonitorOptions { Enabled = true, IntervalSeconds = 1, FailedRoundsToAct = 2, AutomaticFailover = false };
        var context = new ScriptedOrchestrationContext();
        context.On(nameof(ProbeServingRegion), (_, _) => Round(context.CurrentUtcDateTime, RoundVerdict.Failed, manual));

        var state = await new HealthMonitor().RunAsync(context, null);

        Assert.Empty(Starts(context));
        Assert.Equal(20, state.FailedRounds);
    }
}
