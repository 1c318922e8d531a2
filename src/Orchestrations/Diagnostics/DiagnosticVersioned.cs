using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

public sealed record DiagnosticVersionedInput(int ApprovalTimeoutSeconds = 300);

/// <param name="Version">The version the instance ran, as it started.</param>
/// <param name="Steps">The steps it ran, in order.</param>
public sealed record DiagnosticVersionedResult(string Version, IReadOnlyList<string> Steps);

/// <summary>
/// Two versions of one runbook, to show versioning: an instance started on version 1 and waiting at its
/// gate finishes on version 1 after a deployment whose current version is 2; new instances run version 2.
/// Version 2 adds a check between the gate and the last step.
/// </summary>
public sealed class DiagnosticVersioned : Runbook<DiagnosticVersionedInput?, DiagnosticVersionedResult>
{
    protected override int StepCount(DiagnosticVersionedInput? input) => 3;

    protected override Task<DiagnosticVersionedResult> RunStepsAsync(RunbookRun run, DiagnosticVersionedInput? input) => run.Version switch
    {
        "1" => Version1Async(run, input ?? new DiagnosticVersionedInput()),
        _ => Version2Async(run, input ?? new DiagnosticVersionedInput()),
    };

    private static async Task<DiagnosticVersionedResult> Version1Async(RunbookRun run, DiagnosticVersionedInput input)
    {
        await run.StepAsync("prepare", RecordDiagnosticStep.Ref, new DiagnosticStepInput(run.InstanceId, 1, 0, null));
        await run.ApprovalAsync("gate", TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds));
        await run.StepAsync("finish", RecordDiagnosticStep.Ref, new DiagnosticStepInput(run.InstanceId, 2, 0, null));
        return new DiagnosticVersionedResult(run.Version, run.Steps.Select(s => s.Name).ToList());
    }

    private static async Task<DiagnosticVersionedResult> Version2Async(RunbookRun run, DiagnosticVersionedInput input)
    {
        run.StepCount = 4;
        await run.StepAsync("prepare", RecordDiagnosticStep.Ref, new DiagnosticStepInput(run.InstanceId, 1, 0, null));
        await run.ApprovalAsync("gate", TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds));
        await run.StepAsync("check", RecordDiagnosticStep.Ref, new DiagnosticStepInput(run.InstanceId, 2, 0, null));
        await run.StepAsync("finish", RecordDiagnosticStep.Ref, new DiagnosticStepInput(run.InstanceId, 3, 0, null));
        return new DiagnosticVersionedResult(run.Version, run.Steps.Select(s => s.Name).ToList());
    }
}
