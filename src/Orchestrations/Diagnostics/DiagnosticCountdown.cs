using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

/// <param name="Remaining">Iterations still to run.</param>
/// <param name="Done">Iterations already run (carried across ContinueAsNew).</param>
/// <param name="IntervalSeconds">Durable timer between iterations; 0 for none.</param>
public sealed record DiagnosticCountdownInput(int Remaining = 3, int Done = 0, int IntervalSeconds = 0) : IValidatedInput
{
    public string? Validate() =>
        Remaining is < 0 or > Core.Requests.RequestLimits.MaxCount ? $"remaining: {Remaining} is outside 0..{Core.Requests.RequestLimits.MaxCount}"
        : Done is < 0 or > Core.Requests.RequestLimits.MaxCount ? $"done: {Done} is outside 0..{Core.Requests.RequestLimits.MaxCount}"
        : IntervalSeconds is < 0 or > 86400 ? $"intervalSeconds: {IntervalSeconds} is outside 0..86400"
        : null;
}

public sealed record DiagnosticCountdownResult(int Iterations);

/// <summary>
/// An eternal-monitor shape in miniature: each iteration restarts the orchestration with ContinueAsNew, so
/// history stays bounded however long the loop runs. Only the last execution leaves a run record.
/// </summary>
public sealed class DiagnosticCountdown : Runbook<DiagnosticCountdownInput, DiagnosticCountdownResult>
{
    protected override async Task<DiagnosticCountdownResult> RunStepsAsync(RunbookRun run, DiagnosticCountdownInput input)
    {
        input ??= new DiagnosticCountdownInput();
        run.Subject = $"iteration {input.Done + 1}";
        if (input.Remaining <= 0)
        {
            return new DiagnosticCountdownResult(input.Done);
        }

        if (input.IntervalSeconds > 0)
        {
            await run.WaitAsync("interval", TimeSpan.FromSeconds(input.IntervalSeconds));
        }

        run.ContinueAsNew(input with { Remaining = input.Remaining - 1, Done = input.Done + 1 });
        return new DiagnosticCountdownResult(input.Done + 1);
    }
}
