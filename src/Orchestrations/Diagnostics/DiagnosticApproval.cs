using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

public sealed record DiagnosticApprovalInput(int TimeoutSeconds = 300) : IValidatedInput
{
    public string? Validate() => TimeoutSeconds is < 1 or > 7 * 24 * 3600 ? $"timeoutSeconds: {TimeoutSeconds} is outside 1..604800" : null;
}

/// <summary>
/// The approval gate every manual recovery step uses, on its own: waits for Approve or Reject (`dr approve`,
/// `dr reject`) and returns how it ended, so both hosts can be checked to deliver events to a waiting gate.
/// </summary>
public sealed class DiagnosticApproval : Runbook<DiagnosticApprovalInput?, ApprovalOutcome>
{
    protected override async Task<ApprovalOutcome> RunStepsAsync(RunbookRun run, DiagnosticApprovalInput? input) =>
        await run.ApprovalAsync("approval", TimeSpan.FromSeconds((input ?? new DiagnosticApprovalInput()).TimeoutSeconds));
}
