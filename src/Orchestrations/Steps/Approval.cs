using System.Text.Json.Serialization;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Requests;

namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>The events an approval gate waits for (`dr approve` / `dr reject`, or raiseEvent over HTTP).</summary>
public static class ApprovalEvents
{
    public const string Approve = "Approve";
    public const string Reject = "Reject";

    /// <summary>True for Approve, false for Reject, null for any other event (Durable Task matches event names without case).</summary>
    public static bool? Of(string eventName) =>
        string.Equals(eventName, Approve, StringComparison.OrdinalIgnoreCase) ? true
        : string.Equals(eventName, Reject, StringComparison.OrdinalIgnoreCase) ? false
        : null;
}

/// <summary>The data of an Approve or Reject event: who decided, and why.</summary>
/// <param name="Step">The gate it answers (the index its run's status showed). A gate ignores a decision for another one
/// (a second click meant for the first gate of a runbook must not pass its second), and one without a step or without
/// who decided: only the API's decision checks send one, and they fill in the step of the gate that waits.</param>
public sealed record ApprovalDecision(string? By = null, string? Reason = null, int? Step = null)
{
    public const int MaxReasonLength = 2000;

    /// <summary>Null when a caller's decision can be taken (the step is checked against the gate that waits), else why not.</summary>
    public static string? Problem(ApprovalDecision? decision) =>
        string.IsNullOrWhiteSpace(decision?.By) ? "by: who decides is required (it is recorded in the run)"
        : decision.By.Length > RequestLimits.MaxNameLength || decision.By.Any(char.IsControl)
            ? $"by: a name of at most {RequestLimits.MaxNameLength} characters, no control characters"
        : decision.Reason is { Length: > MaxReasonLength } ? $"reason: longer than {MaxReasonLength} characters"
        : decision.Step is < 1 ? $"step: {decision.Step} is not a step number"
        : null;

    /// <summary>Whether the gate at step <paramref name="gate"/> takes this decision: one for it, with who decided.</summary>
    public bool Decides(int gate) => Step == gate && !string.IsNullOrWhiteSpace(By);
}

[JsonConverter(typeof(KebabCaseEnumConverter<ApprovalVerdict>))]
public enum ApprovalVerdict { Approved, Rejected, TimedOut }

/// <summary>How an approval gate ended. Only <see cref="ApprovalVerdict.Approved"/> lets a runbook go on.</summary>
public sealed record ApprovalOutcome(ApprovalVerdict Verdict, string? By, string? Reason, DateTime DecidedAt)
{
    public bool Approved => Verdict == ApprovalVerdict.Approved;

    public string Describe() => Verdict switch
    {
        ApprovalVerdict.TimedOut => "no decision before the timeout",
        _ => $"{KebabCase.Of(Verdict)} by {By ?? "(unnamed)"}" + (Reason is null ? "" : $": {Reason}"),
    };
}
