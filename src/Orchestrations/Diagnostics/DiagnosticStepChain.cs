using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

/// <param name="FailAt">Make step N fail (not retried), to see the earlier steps undone in reverse order.</param>
public sealed record DiagnosticStepChainInput(int Steps = 10, int StepDelayMs = 0, string? Journal = null, int? FailAt = null) : IValidatedInput
{
    public const int MaxSteps = 1000;

    public string? Validate() =>
        Steps is < 1 or > MaxSteps ? $"steps: {Steps} is outside 1..{MaxSteps}"
        : StepDelayMs is < 0 or > 3_600_000 ? $"stepDelayMs: {StepDelayMs} is outside 0..3600000"
        : FailAt is { } n && (n < 1 || n > Steps) ? $"failAt: {n} is outside 1..{Steps}"
        : null;
}

public sealed record DiagnosticStepChainResult(int StepsCompleted);

/// <summary>
/// Runs N no-op steps one after another, each with an undo. Measures the runtime's per-step overhead
/// (bench/), proves with a journal that completed steps are not re-run after a host crash, and with
/// <see cref="DiagnosticStepChainInput.FailAt"/> shows compensation on the real runtime.
/// </summary>
public sealed class DiagnosticStepChain : Runbook<DiagnosticStepChainInput, DiagnosticStepChainResult>
{
    protected override int StepCount(DiagnosticStepChainInput input) => input?.Steps ?? 1;

    protected override async Task<DiagnosticStepChainResult> RunStepsAsync(RunbookRun run, DiagnosticStepChainInput input)
    {
        for (var step = 1; step <= input.Steps; step++)
        {
            await run.StepAsync($"step {step}", RecordDiagnosticStep.Ref,
                new DiagnosticStepInput(run.InstanceId, step, input.StepDelayMs, input.Journal, Fail: step == input.FailAt));
            run.OnFailureUndo($"step {step}", RecordDiagnosticStep.Ref, new DiagnosticStepInput(run.InstanceId, step, 0, input.Journal, Undo: true));
        }

        return new DiagnosticStepChainResult(input.Steps);
    }
}
