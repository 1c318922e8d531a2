using System.Text.Json.Serialization;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Core.Runs;

[JsonConverter(typeof(KebabCaseEnumConverter<RunOutcome>))]
public enum RunOutcome { Succeeded, Failed }

[JsonConverter(typeof(KebabCaseEnumConverter<StepOutcome>))]
public enum StepOutcome
{
    Succeeded,
    Failed,

    /// <summary>An approval gate: approved by someone.</summary>
    Approved,

    /// <summary>An approval gate: rejected by someone.</summary>
    Rejected,

    /// <summary>An approval gate, or a step, that ran out of time.</summary>
    TimedOut,

    /// <summary>A checklist item someone skipped, with a reason.</summary>
    Skipped,
}

/// <summary>
/// One step of a run. Times are the engine's own (the instance history's scheduled and completed events)
/// when the run record could read them, else the orchestration's replay-safe clock (see <see cref="RunRecord.Clock"/>).
/// </summary>
/// <param name="Undo">A compensation: it undid an earlier step after a failure.</param>
public sealed record StepRecord(
    string Name,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    StepOutcome Outcome,
    int Attempts,
    string? Detail = null,
    bool Undo = false)
{
    public double DurationSeconds => (EndedAt - StartedAt).TotalSeconds;
}

public sealed record RunError(
    [property: JsonConverter(typeof(KebabCaseEnumConverter<ErrorKind>))] ErrorKind Kind,
    string Message,
    string? Step);

/// <summary>
/// The record every runbook run leaves in the object store, success or failure: its step timeline (what
/// RTO reports and the dashboard read), the outcome, the trigger and the figures it reports. It outlives the
/// task hub and the region that ran it.
/// </summary>
/// <param name="Format">Bumped when the shape changes incompatibly; readers refuse formats they do not know.</param>
/// <param name="BackupKind">Set for backup runbooks: the backup success rate groups by it.</param>
/// <param name="Subject">What the run acted on (a backup id, a node), when it has one.</param>
/// <param name="Clock">"history" when step times are the instance history's, "orchestration" otherwise.</param>
public sealed record RunRecord(
    int Format,
    string InstanceId,
    string Runbook,
    string Version,
    string Trigger,
    BackupKind? BackupKind,
    string? Subject,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    RunOutcome Outcome,
    RunError? Error,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyDictionary<string, double>? Figures = null,
    string Clock = RunRecord.OrchestrationClock)
{
    public const int CurrentFormat = 1;
    public const string HistoryClock = "history";
    public const string OrchestrationClock = "orchestration";

    public double DurationSeconds => (EndedAt - StartedAt).TotalSeconds;

    public bool Succeeded => Outcome == RunOutcome.Succeeded;
}

/// <summary>Success rate of one backup kind over a period.</summary>
public sealed record BackupSuccessRate(BackupKind Kind, int Runs, int Succeeded)
{
    /// <summary>Null when there were no runs: "no data" is not 0 % nor 100 %.</summary>
    public double? Rate => Runs == 0 ? null : (double)Succeeded / Runs;

    public static IReadOnlyList<BackupSuccessRate> Of(IEnumerable<RunRecord> runs) =>
        runs.Where(r => r.BackupKind is not null).GroupBy(r => r.BackupKind!).OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new BackupSuccessRate(g.Key, g.Count(), g.Count(r => r.Succeeded)))
            .ToList();
}
