using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

public sealed record DiagnosticApprovalInput(int TimeoutSeconds = 300);

public sealed record ApprovalDecision(bool Approved, string? By = null);

public sealed record DiagnosticApprovalResult(bool Approved, bool TimedOut, string? By);

/// <summary>
/// Waits for an "Approval" event with a timeout: the shape of every manual gate in a recovery plan,
/// kept small to check that events reach a waiting orchestration on both hosts.
/// </summary>
public sealed class DiagnosticApproval : TaskOrchestrator<DiagnosticApprovalInput, DiagnosticApprovalResult>
{
    public const string EventName = "Approval";

    public override async Task<DiagnosticApprovalResult> RunAsync(TaskOrchestrationContext context, DiagnosticApprovalInput input)
    {
        context.SetCustomStatus(new { waitingFor = EventName });
        try
        {
            var decision = await context.WaitForExternalEvent<ApprovalDecision>(EventName, TimeSpan.FromSeconds(input.TimeoutSeconds));
            return new DiagnosticApprovalResult(decision.Approved, TimedOut: false, decision.By);
        }
        catch (TaskCanceledException)
        {
            return new DiagnosticApprovalResult(false, TimedOut: true, null);
        }
    }
}
