using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <param name="Round">Rounds so far (the evaluator's own state between executions).</param>
public sealed record AlertEvaluatorInput(
    [property: StarterOwned("the evaluator itself (its count from one execution to the next)")] long Round = 0,
    string? Trigger = "alerts") : ITriggeredInput;

/// <summary>
/// The alert evaluator: an eternal orchestration (one instance, <see cref="InstanceId"/>), kept running by `dr serve` and
/// the Functions app when <c>Alerts:Enabled</c>, as the health monitor is. Each round is one <see cref="EvaluateAlerts"/>;
/// between rounds it waits its interval, or less when a delivery's retry falls due sooner. Its history stays bounded: it
/// continues as new every few rounds.
/// </summary>
public sealed class AlertEvaluator : Runbook<AlertEvaluatorInput?, AlertEvaluatorInput>
{
    public const string InstanceId = "alert-evaluator";
    private const int RoundsPerExecution = 20;

    protected override int StepCount(AlertEvaluatorInput? input) => RoundsPerExecution * 2;

    protected override async Task<AlertEvaluatorInput> RunStepsAsync(RunbookRun run, AlertEvaluatorInput? input)
    {
        var state = input ?? new AlertEvaluatorInput();
        for (var i = 0; i < RoundsPerExecution; i++)
        {
            var pause = TimeSpan.FromSeconds(30);
            try
            {
                var round = await run.StepAsync("evaluate", EvaluateAlerts.Ref, null, StepOptions.Retried);
                pause = TimeSpan.FromSeconds(Math.Clamp(round.EverySeconds, 1, 3600));
                run.Subject = $"round {state.Round + 1}: {round.Firing} firing ({round.Silenced} silenced), {round.Queued} queued, " +
                    $"{round.Delivered} delivered, {round.Waiting} waiting";
                if (round.NextAttemptAt is { } next)
                {
                    var until = next.UtcDateTime - run.Now;
                    pause = until < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : until < pause ? until : pause;
                }
            }
            catch (Core.Errors.DrException e)
            {
                // A round that could not run (the store, configuration) is said, and the next one tries again.
                run.SetDetail($"round {state.Round + 1} did not run: {e.Message}");
            }

            state = state with { Round = state.Round + 1 };
            await run.WaitAsync("pause", pause);
        }

        run.ContinueAsNew(state);
        return state;
    }
}
