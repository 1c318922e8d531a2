using CausalEval.Dr.Orchestrations.Diagnostics;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Diagnostics;

/// <summary>
/// DiagnosticCountdown on a scripted context (the step chain, the versioned runbook and the approval gate are the step
/// model's own examples: Step_model_test).
/// </summary>
public sealed class Diagnostic_countdown_steps_test
{
    [Fact]
    public async Task Each_execution_waits_its_interval_and_continues_as_new_without_a_run_record_until_the_last()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "runs/key");

        await new DiagnosticCountdown().RunAsync(context, new DiagnosticCountdownInput(Remaining: 2, IntervalSeconds: 5));

        Assert.Equal(["timer 5s"], context.Calls);
        Assert.Equal(new DiagnosticCountdownInput(Remaining: 1, Done: 1, IntervalSeconds: 5), context.ContinuedWith);

        var last = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "runs/key");
        var result = await new DiagnosticCountdown().RunAsync(last, new DiagnosticCountdownInput(Remaining: 0, Done: 2));
        Assert.Equal((2, null), (result.Iterations, last.ContinuedWith));
        Assert.Equal(["activity RecordRun"], last.Calls);
    }
}
