using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>A runbook the drill drove (or watched: the monitor's failover), from its run record.</summary>
public sealed record DrivenRun(string Id, string Runbook, RunOutcome Outcome, DateTimeOffset StartedAt, DateTimeOffset EndedAt, IReadOnlyList<StepRecord> Steps,
    IReadOnlyDictionary<string, double>? Figures);

/// <summary>Writes attempted and acknowledged in one second of the prober's ledger.</summary>
public sealed record ProbeSecond(DateTimeOffset At, int Acknowledged, int Failed);

/// <summary>What the prober and the driven runs' records measured.</summary>
/// <param name="RtoSeconds">Injection → the first acknowledged write sent after it, through the public name.</param>
/// <param name="Lost">Acknowledged writes that are not there afterwards (read back through the public name).</param>
/// <param name="Unverified">Acknowledged writes the service did not answer for afterwards (neither there nor missing).</param>
/// <param name="LossWindowSeconds">From the oldest lost write's acknowledgement to the injection: the data loss as time (0 when none).</param>
/// <param name="ProberDownInOutage">The prober was down between the injection and the recovery: the RTO is then an upper bound.</param>
public sealed record DrillMeasured(
    double? RtoSeconds,
    DateTimeOffset? FirstAckAfter,
    int Attempts,
    int Acknowledged,
    int Failed,
    IReadOnlyList<long> Lost,
    int Unverified,
    double LossWindowSeconds,
    IReadOnlyList<ProberDown> ProberDown,
    bool ProberDownInOutage,
    IReadOnlyList<DrivenRun> Driven,
    IReadOnlyList<ProbeSecond> PerSecond);

/// <param name="Threshold">What it fires at, in words.</param>
public sealed record StopCondition(string Name, string Threshold, bool Fired, string? Detail = null);

public sealed record ObjectiveResult(string Name, double TargetSeconds, double? MeasuredSeconds)
{
    public bool Met => MeasuredSeconds is { } m && m <= TargetSeconds;
}

/// <summary>
/// A drill's report, stored as JSON and as one self-contained HTML page under <c>drills/{id}/</c>: the hypothesis, the
/// steady state before and after, what was injected, the drill's steps and the driven runbooks', what the prober
/// measured against the targets, the stop conditions, and how the cleanup went.
/// </summary>
public sealed record DrillReport(
    string Drill,
    string Runbook,
    string Hypothesis,
    DateTime StartedAt,
    DateTime EndedAt,
    bool Passed,
    string? Error,
    string Injector,
    DateTimeOffset? InjectedAt,
    IReadOnlyList<string> Injected,
    SteadyState? Before,
    SteadyState? After,
    IReadOnlyList<StopCondition> StopConditions,
    DrillMeasured? Measured,
    IReadOnlyList<ObjectiveResult> Objectives,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<string> Deviations,
    string Cleanup,
    IReadOnlyList<string>? Notes = null,
    IReadOnlyList<DrillIncident>? Incidents = null)
{
    public static string JsonKey(string drill) => $"drills/{drill}/report.json";

    public static string HtmlKey(string drill) => $"drills/{drill}/report.html";
}
