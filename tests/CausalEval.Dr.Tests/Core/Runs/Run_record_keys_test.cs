using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Tests.Core.Runs;

/// <summary>Run records are filed by day so a period reads only its own prefixes, and pruned day by day.</summary>
public sealed class Run_record_keys_test
{
    [Fact]
    public void A_record_is_filed_under_its_end_day_and_runbook_and_found_by_its_instance()
    {
        var run = new RunRecord(1, "schedule-X/1", "BackupLogs", "1", "schedule", null, null,
            new DateTimeOffset(2026, 12, 31, 23, 59, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 1, 500, TimeSpan.Zero), RunOutcome.Succeeded,
                null, []);

        Assert.Equal("runs/2027/01/01/BackupLogs/000001500-schedule-X%2F1.json", RunRecordKeys.KeyOf(run));
        Assert.Equal("runs/instances/schedule-X%2F1.json", RunRecordKeys.PointerKey(run.InstanceId));
        Assert.Equal(3, RunRecordKeys.Days(run.StartedAt.AddDays(-1), run.EndedAt).Count());
    }

    [Fact]
    public void Pruning_takes_the_days_past_the_retention_once()
    {
        var today = new DateOnly(2026, 12, 10);
        Assert.Equal([new DateOnly(2026, 11, 29)], RunRecordKeys.DaysToPrune(null, today, TimeSpan.FromDays(10)));
        Assert.Equal([new DateOnly(2026, 11, 28), new DateOnly(2026, 11, 29)],
            RunRecordKeys.DaysToPrune(new DateOnly(2026, 11, 27), today, TimeSpan.FromDays(10)));
        Assert.Empty(RunRecordKeys.DaysToPrune(new DateOnly(2026, 11, 29), today, TimeSpan.FromDays(10)));
    }
}
