namespace CausalEval.Dr.Core.Runs;

/// <summary>One event of an instance's history, as much of it as a step timeline needs.</summary>
public sealed record HistoryEntry(string EventType, DateTimeOffset Timestamp);

/// <summary>
/// Puts the engine's own times on a run's steps. The step model records each step's window on the
/// orchestration's replay-safe clock: it opens when the step is scheduled (the start of that episode) and
/// closes when the orchestration sees its result (the start of a later episode). Every action the step
/// scheduled is stamped inside that window, every result it waited for arrived inside it. So a step's
/// engine start is its first scheduled action (activity, timer) and its end its last result (completion,
/// failure, raised event), which is exactly what the instance history shows. A step that ends on a timer
/// (a wait, a timeout) keeps the orchestration's end: the history does not say when a timer fired.
/// </summary>
public static class StepTimeline
{
    private static readonly HashSet<string> Opening = ["TaskScheduled", "TimerCreated", "SubOrchestrationInstanceCreated"];

    // Not TimerFired: the engine stamps it with the timer's creation time, not when it fired.
    private static readonly HashSet<string> Closing =
        ["TaskCompleted", "TaskFailed", "EventRaised", "SubOrchestrationInstanceCompleted", "SubOrchestrationInstanceFailed"];

    /// <summary>
    /// Steps with history times where the history has them; a step that scheduled nothing (a decision)
    /// keeps its own times, one that received no result its own end.
    /// </summary>
    public static IReadOnlyList<StepRecord> FromHistory(IReadOnlyList<StepRecord> steps, IReadOnlyList<HistoryEntry> history)
    {
        var result = new List<StepRecord>(steps.Count);
        foreach (var step in steps)
        {
            // Actions are stamped at or after the window opens, and before it closes (the next step's
            // actions, scheduled in the closing episode, are stamped at or after the close).
            var opened = history.Where(e => Opening.Contains(e.EventType) && e.Timestamp >= step.StartedAt && e.Timestamp < step.EndedAt).ToList();
            // Results arrive after the window opens (they are what ended an earlier episode otherwise) and at or before it closes.
            var closed = history.Where(e => Closing.Contains(e.EventType) && e.Timestamp > step.StartedAt && e.Timestamp <= step.EndedAt).ToList();
            result.Add(step with
            {
                StartedAt = opened.Count > 0 ? opened.Min(e => e.Timestamp) : step.StartedAt,
                EndedAt = closed.Count > 0 ? closed.Max(e => e.Timestamp) : step.EndedAt,
            });
        }

        return result;
    }
}
