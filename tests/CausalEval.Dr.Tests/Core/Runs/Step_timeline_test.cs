using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Tests.Core.Runs;

/// <summary>Run records carry the engine's step times: the step's first scheduled action to its last result.</summary>
public sealed class Step_timeline_test
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int ms) => T0.AddMilliseconds(ms);

    private static StepRecord Step(string name, int from, int to) => new(name, At(from), At(to), StepOutcome.Succeeded, 1);

    [Fact]
    public void Each_step_gets_the_times_of_the_events_inside_its_window()
    {
        // Orchestration clock: episodes start at 0, 100, 300 (the step windows); the engine stamps events between.
        var steps = new[] { Step("snapshot", 0, 100), Step("retention", 100, 300) };
        var history = new[]
        {
            new HistoryEntry("OrchestratorStarted", At(0)),
            new HistoryEntry("TaskScheduled", At(4)), // SnapshotFiles
            new HistoryEntry("TaskCompleted", At(90)),
            new HistoryEntry("OrchestratorStarted", At(100)),
            new HistoryEntry("TaskScheduled", At(103)), // ApplyRetention
            new HistoryEntry("TaskFailed", At(150)),
            new HistoryEntry("TimerCreated", At(160)),
            new HistoryEntry("TimerFired", At(160)), // stamped with its creation time by the engine
            new HistoryEntry("TaskScheduled", At(230)), // ApplyRetention
            new HistoryEntry("TaskCompleted", At(280)),
            new HistoryEntry("OrchestratorStarted", At(300)),
            new HistoryEntry("TaskScheduled", At(305)), // RecordRun
        };

        var timeline = StepTimeline.FromHistory(steps, history);

        Assert.Equal([(At(4), At(90)), (At(103), At(280))], timeline.Select(s => (s.StartedAt, s.EndedAt)));
    }

    [Fact]
    public void A_step_that_ends_on_a_timer_keeps_its_own_end_and_one_with_no_events_its_own_times()
    {
        var steps = new[] { Step("wait", 0, 2000), Step("decide", 2000, 2000) };
        var history = new[] { new HistoryEntry("TimerCreated", At(2)), new HistoryEntry("TimerFired", At(2)) };

        var timeline = StepTimeline.FromHistory(steps, history);

        Assert.Equal((At(2), At(2000)), (timeline[0].StartedAt, timeline[0].EndedAt));
        Assert.Equal(steps[1], timeline[1]);
    }
}
