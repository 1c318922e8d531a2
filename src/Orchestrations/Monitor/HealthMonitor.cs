using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Monitor;

/// <param name="FailedRounds">Consecutive failed rounds so far.</param>
/// <param name="Evidence">Those rounds (the decision is stored with them).</param>
/// <param name="LastPrimaryLsn">The primary's flushed WAL position in the last healthy round: the failover's data-loss reference.</param>
/// Every field is the monitor's own state between its executions: a start through the API gives none of them.
public sealed record HealthMonitorInput(
    [property: StarterOwned(HealthMonitorInput.Itself)] int FailedRounds = 0,
    [property: StarterOwned(HealthMonitorInput.Itself)] IReadOnlyList<HealthRound>? Evidence = null,
    [property: StarterOwned(HealthMonitorInput.Itself)] string? LastPrimaryLsn = null,
    [property: StarterOwned(HealthMonitorInput.Itself)] long Round = 0,
    [property: StarterOwned(HealthMonitorInput.Itself)] string? LastFailover = null,
    string? Trigger = "monitor") : ITriggeredInput
{
    private const string Itself = "the monitor itself (its state from one execution to the next)";
}

/// <summary>
/// The health monitor: an eternal orchestration (one instance, <see cref="InstanceId"/>), started by `dr serve`
/// and the Functions app when <c>Monitor:Enabled</c>. Each round probes the serving primary from two vantage
/// points (<see cref="ProbeServingRegion"/>); after <c>Monitor:FailedRoundsToAct</c> consecutive failed
/// rounds it starts the failover, or joins the running one, never a second. History stays bounded: every
/// few rounds it continues as new, carrying its counters.
/// </summary>
public sealed class HealthMonitor : Runbook<HealthMonitorInput?, HealthMonitorInput>
{
    public const string InstanceId = "health-monitor";

    /// <summary>The runbook the monitor starts, from its row (<see cref="RunbookDefinition.Starts"/>).</summary>
    private static RunbookDefinition FailoverRunbook => RunbookRegistry.StartedBy(RunbookRegistry.Find(typeof(HealthMonitor))!);
    private const int RoundsPerExecution = 20;

    protected override int StepCount(HealthMonitorInput? input) => RoundsPerExecution * 2;

    protected override async Task<HealthMonitorInput> RunStepsAsync(RunbookRun run, HealthMonitorInput? input)
    {
        var state = input ?? new HealthMonitorInput();
        for (var i = 0; i < RoundsPerExecution; i++)
        {
            HealthRound round;
            try
            {
                round = await run.StepAsync("health round", ProbeServingRegion.Ref, null);
            }
            catch (Core.Errors.DrException e)
            {
                // A round that could not run (configuration, the store) is not a failed round: say so and go on.
                run.SetDetail($"round {state.Round + 1} did not run: {e.Message}");
                state = state with { Round = state.Round + 1 };
                await run.WaitAsync("pause", TimeSpan.FromSeconds(30));
                continue;
            }

            state = Next(state, round);
            if (round.Verdict == RoundVerdict.Failed && state.FailedRounds >= round.Settings.FailedRoundsToAct && round.Settings.AutomaticFailover)
            {
                var failover = new FailoverInput(Trigger: FailoverInput.MonitorTrigger, DetectedAt: state.Evidence![0].At,
                    LastPrimaryLsn: state.LastPrimaryLsn);
                var started = await run.StepAsync("start failover", StartFailover.Ref,
                    new StartFailoverInput(FailoverRunbook.Name, FailoverRunbook.Version, JsonSerializer.SerializeToElement(failover, DrJson.Options),
                        state.Evidence), StepOptions.Retried);
                state = state with { FailedRounds = 0, Evidence = [], LastFailover = started.InstanceId };
            }

            // The subject stays in the status while the monitor pauses between rounds.
            run.Subject = $"round {state.Round}, {round.ServingNode} ({round.ServingRegion}): {KebabCase.Of(round.Verdict)} — {round.Detail}"
                + (state.FailedRounds > 0 ? $" ({state.FailedRounds} of {round.Settings.FailedRoundsToAct} failed)" : "")
                + (state.LastFailover is { } f ? $"; last failover {f}" : "");
            await run.WaitAsync("pause", TimeSpan.FromSeconds(round.Settings.IntervalSeconds));
        }

        run.ContinueAsNew(state);
        return state;
    }

    private static HealthMonitorInput Next(HealthMonitorInput state, HealthRound round) => round.Verdict switch
    {
        RoundVerdict.Failed => state with { Round = state.Round + 1, FailedRounds = state.FailedRounds + 1, Evidence = [.. state.Evidence ?? [], round] },
        RoundVerdict.Healthy
            => state with { Round = state.Round + 1, FailedRounds = 0, Evidence = [], LastPrimaryLsn = round.PrimaryFlushLsn ?? state.LastPrimaryLsn },
        // Inconclusive neither counts nor resets: it is no evidence either way.
        _ => state with { Round = state.Round + 1 },
    };
}
