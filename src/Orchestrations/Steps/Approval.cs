using System.Text.Json.Serialization;
using CausalEval.Dr.Core;

namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>The events an approval gate waits for (`dr approve` / `dr reject`, or raiseEvent over HTTP).</summary>
public static class ApprovalEvents
{
    public const string Approve = "Approve";
    public const string Reject = "Reject";
}

/// <summary>The data of an Approve or Reject event: who decided, and why.</summary>
/// <param name="Step">The gate it answers (the index its run's status showed). A gate ignores a decision for another one:
/// a second click meant for the first gate of a runbook must not pass its second. Null answers whichever gate waits.</param>
public sealed record ApprovalDecision(string? By = null, string? Reason = null, int? Step = null);

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
