using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Tests.Orchestrations.Registry;

/// <summary>The schedules the registry declares are the seed's, and settings override them by name.</summary>
public sealed class Schedule_table_test
{
    internal static ScheduleTable Table(Dictionary<string, string?>? settings = null) =>
        RunbookRegistry.LoadSchedules(new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build());

    [Fact]
    public void Seed_defaults_fire_at_the_seed_times()
    {
        var from = new DateTime(2026, 11, 28, 0, 30, 0, DateTimeKind.Utc); // a Saturday
        var table = Table();
        Assert.Equal(new DateTime(2026, 11, 28, 2, 0, 0), table["DatabaseFullBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 0, 45, 0), table["WalArchiveCheck"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 0, 45, 0), table["FileStorageBackup"].NextOccurrenceUtc(from)); // seed: file storage every 15 min
        Assert.Equal(new DateTime(2026, 11, 28, 0, 45, 0), table["DatabaseIncrementalBackup"].NextOccurrenceUtc(from)); // seed: incremental every 15 min
        Assert.Equal(new DateTime(2026, 11, 28, 6, 0, 0), table["ConfigurationBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 1, 0, 0), table["ApplicationStateBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 28, 1, 0, 0), table["MetricsBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 29, 0, 0, 0), table["LogsBackup"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 12, 1, 3, 0, 0), table["FailoverTest"].NextOccurrenceUtc(from));
        Assert.Equal(new DateTime(2026, 11, 29, 2, 0, 0), table["BackupRestoreTest"].NextOccurrenceUtc(from)); // */2: days 1, 3 … 29
        Assert.Equal(new DateTime(2027, 1, 1, 4, 0, 0), table["FullDrSimulation"].NextOccurrenceUtc(from)); // months 1, 4, 7, 10
        Assert.Equal(11, table.Rows.Count);
        Assert.Equal(nameof(CausalEval.Dr.Orchestrations.Backups.CheckWalArchive), RunbookRegistry.ForSchedule("WalArchiveCheck").Name);
    }

    [Fact]
    public void Overrides_change_timing_and_unknown_or_bad_rows_are_all_named()
    {
        var table = Table(new() { ["Schedules:ConfigurationBackup"] = "*/10 * * * * *" });
        Assert.Equal("*/10 * * * * *", table["ConfigurationBackup"].Cron);

        var error = Assert.Throws<DrConfigurationException>(() => Table(new()
        {
            ["Schedules:ConfigBackup"] = "0 0 * * * *",
            ["Schedules:LogsBackup"] = "0 0 * * *",
        }));
        Assert.Contains("Schedules:ConfigBackup: unknown schedule", error.Message);
        Assert.Contains("Schedules:LogsBackup: '0 0 * * *' is not an NCRONTAB expression with seconds", error.Message);
    }

    [Fact]
    public void Latest_occurrence_is_the_one_a_late_timer_stands_for()
    {
        var row = Table()["ConfigurationBackup"];
        var late = new DateTime(2026, 11, 28, 6, 0, 3, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 11, 28, 6, 0, 0), row.LatestOccurrenceAtOrBeforeUtc(late));
        Assert.Equal("schedule-ConfigurationBackup-20261128T060000Z", ScheduleTable.InstanceIdFor(row.Name, new DateTime(2026, 11, 28, 6, 0, 0)));
    }
}

public sealed class Missed_occurrence_test
{
    private static readonly RunbookSchedule Every6h = Schedule_table_test.Table()["ConfigurationBackup"];

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
