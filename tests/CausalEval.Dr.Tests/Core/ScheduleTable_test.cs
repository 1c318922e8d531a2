using CausalEval.Dr.Core.Schedules;

namespace CausalEval.Dr.Tests.Core;

public sealed class ScheduleTable_test
{
    [Fact]
    public void Seed_defaults_fire_at_the_seed_times()
    {
        var from = new DateTime(2026, 11, 28, 0, 30, 0, DateTimeKind.Utc); // a Saturday
        var table = ScheduleTable.Defaults;
        Assert.Equal(new DateTime(2026, 11, 28, 2, 0, 0), table["DatabaseFullBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 0, 45, 0), table["DatabaseIncrementalBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 6, 0, 0), table["ConfigurationBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 1, 0, 0), table["ApplicationStateBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 1, 0, 0), table["MetricsBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 29, 0, 0, 0), table["LogsBackup"].NextOccurrenceUtc(from));
        Assert.Equal(14, table["ConfigurationBackup"].Retention.KeepCount);
        Assert.Equal(TimeSpan.FromDays(30), table["DatabaseFullBackup"].Retention.KeepFor);
    }

    [Fact]
    public void Overrides_change_timing_and_unknown_or_bad_rows_are_all_named()
    {
        var table = ScheduleTable.WithOverrides(new Dictionary<string, string?> { ["ConfigurationBackup"] = "*/10 * * * * *" });
        Assert.Equal("*/10 * * * * *", table["ConfigurationBackup"].Cron);

        var error = Assert.Throws<ArgumentException>(() => ScheduleTable.WithOverrides(new Dictionary<string, string?>
        {
            ["ConfigBackup"] = "0 0 * * * *",
            ["LogsBackup"] = "0 0 * * *",
        }));
        Assert.Contains("Schedules:ConfigBackup: unknown schedule", error.Message);
        Assert.Contains("Schedules:LogsBackup: '0 0 * * *' is not an NCRONTAB expression with seconds", error.Message);
    }

    [Fact]
    public void Latest_occurrence_is_the_one_a_late_timer_stands_for()
    {
        var row = ScheduleTable.Defaults["ConfigurationBackup"];
        var late = new DateTime(2026, 11, 28, 6, 0, 3, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 11, 28, 6, 0, 0), row.LatestOccurrenceAtOrBeforeUtc(late));
        Assert.Equal("schedule-ConfigurationBackup-20261128T060000Z", ScheduleTable.InstanceIdFor(row.Name, new DateTime(2026, 11, 28, 6, 0, 0)));
    }
}

public sealed class Missed_occurrence_test
{
    private static readonly CausalEval.Dr.Core.Schedules.BackupSchedule Every6h = ScheduleTable.Defaults["ConfigurationBackup"];

    [Fact]
    public void A_scheduler_down_across_occurrences_catches_up_the_latest_one_only()
    {
        var lastFired = new DateTime(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc);
        var backAt = new DateTime(2026, 11, 28, 13, 30, 0, DateTimeKind.Utc); // missed 06:00 and 12:00
        Assert.Equal(new DateTime(2026, 11, 28, 12, 0, 0), Every6h.MissedOccurrenceUtc(lastFired, backAt));
    }

    [Fact]
    public void Nothing_is_caught_up_when_no_occurrence_was_missed()
    {
        var lastFired = new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);
        Assert.Null(Every6h.MissedOccurrenceUtc(lastFired, new DateTime(2026, 11, 28, 17, 59, 59, DateTimeKind.Utc)));
    }
}
