using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

/// <param name="Remaining">Iterations still to run.</param>
/// <param name="Done">Iterations already run (carried across ContinueAsNew).</param>
/// <param name="IntervalSeconds">Durable timer between iterations; 0 for none.</param>
public sealed record DiagnosticCountdownInput(int Remaining = 3, int Done = 0, int IntervalSeconds = 0);

public sealed record DiagnosticCountdownResult(int Iterations);

/// <summary>
/// An eternal-monitor shape in miniature: each iteration restarts the orchestration with ContinueAsNew,
/// so history stays bounded however long the loop runs.
/// </summary>
public sealed class DiagnosticCountdown : TaskOrchestrator<DiagnosticCountdownInput, DiagnosticCountdownResult>
{
    public override async Task<DiagnosticCountdownResult> RunAsync(TaskOrchestrationContext context, DiagnosticCountdownInput input)
    {
        if (input.Remaining <= 0)
        {
            return new DiagnosticCountdownResult(input.Done);
        }

        if (input.IntervalSeconds > 0)
        {
            await context.CreateTimer(TimeSpan.FromSeconds(input.IntervalSeconds), CancellationToken.None);
        }

        context.SetCustomStatus(new { done = input.Done + 1, remaining = input.Remaining - 1 });
        context.ContinueAsNew(input with { Remaining = input.Remaining - 1, Done = input.Done + 1 });
        return new DiagnosticCountdownResult(input.Done + 1);
    }
}
