using CausalEval.Dr.Activities.Diagnostics;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

public sealed record DiagnosticStepChainInput(int Steps = 10, int StepDelayMs = 0, string? Journal = null);

public sealed record DiagnosticStepChainResult(int StepsCompleted);

/// <summary>
/// Runs N no-op steps one after another. Measures the runtime's per-step overhead (bench/) and, with a
/// journal, proves that completed steps are not re-run after a host crash.
/// </summary>
public sealed class DiagnosticStepChain : TaskOrchestrator<DiagnosticStepChainInput, DiagnosticStepChainResult>
{
    public const int MaxSteps = 1000;

    public override async Task<DiagnosticStepChainResult> RunAsync(TaskOrchestrationContext context, DiagnosticStepChainInput input)
    {
        if (input.Steps is < 1 or > MaxSteps || input.StepDelayMs < 0)
        {
            throw new ArgumentException($"steps must be 1..{MaxSteps} and stepDelayMs >= 0 (got {input.Steps}, {input.StepDelayMs})");
        }

        for (var step = 1; step <= input.Steps; step++)
        {
            await context.CallActivityAsync<int>(
                nameof(RecordDiagnosticStep), new DiagnosticStepInput(context.InstanceId, step, input.StepDelayMs, input.Journal));
            context.SetCustomStatus(new { completed = step, of = input.Steps });
        }

        return new DiagnosticStepChainResult(input.Steps);
    }
}
