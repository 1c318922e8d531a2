using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Orchestrations.Reports;

namespace CausalEval.Dr.Tests.Orchestrations.Reports;

/// <summary>
/// The KPI report counts what the seed's indicators mean: a rejected failover attempted nothing, a refused one
/// failed; an RTO is judged against the tier of what the runbook restores; a failed archive check is a missed
/// recovery point; no samples is no value (never 0 % or 100 %).
/// </summary>
public sealed class Kpi_report_test
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static RunRecord Run(string runbook, bool ok, BackupKind? kind = null, ErrorKind? error = null, params (string, double)[] figures) =>
        new(RunRecord.CurrentFormat, $"{runbook}-{Guid.NewGuid():N}", runbook, "1", "manual", kind, null, At.AddMinutes(-5), At,
            ok ? RunOutcome.Succeeded : RunOutcome.Failed, ok ? null : new RunError(error ?? ErrorKind.Failed, "broke", "step"), [],
            figures.ToDictionary(f => f.Item1, f => f.Item2));

    [Fact]
    public void Indicators_count_what_the_seed_means()
    {
        var runs = new List<RunRecord>
        {
            Run("BackupDatabase", true, BackupKind.Database),
            Run("BackupConfiguration", true, BackupKind.Configuration),
            Run("BackupDatabase", false, BackupKind.Database),
            Run("Failover", true, figures: ("rtoSeconds", 120)),
            Run("Failover", true, figures: ("rtoSeconds", 1200)), // over the critical tier's 15 minutes
            Run("Failover", false, error: ErrorKind.NotApproved), // a person said no: not a recovery attempt
            Run("RecoverDatabase", false, error: ErrorKind.Refused), // refused by a safety check: a failed recovery
            Run("RecoverDatabase", false, error: ErrorKind.BadInput), // a wrong request: attempted nothing
            Run("RecoverRegion", true, figures: ("rtoSeconds", 3600)), // within the full system's 24 hours
            Run("CheckWalArchive", true, BackupKind.Wal, figures: ("secondsToArchive", 12)),
            Run("CheckWalArchive", false, BackupKind.Wal),
            Run("DiagnosticStepChain", false),
        };

        var report = KpiReport.Of(runs, At.AddDays(-1), At);

        Assert.Equal(12, report.Runs);
        Assert.Equal((5, 3), (report.BackupSuccessRate.Samples, report.BackupSuccessRate.Met));
        Assert.False(report.BackupSuccessRate.MeetsTarget);
        Assert.Equal((4, 3), (report.RecoverySuccessRate.Samples, report.RecoverySuccessRate.Met));
        Assert.Equal(0.75, report.RecoverySuccessRate.Value);
        Assert.Equal((3, 2), (report.RtoCompliance.Samples, report.RtoCompliance.Met));
        Assert.Equal([120.0, 1200.0, 3600.0], report.RtoSamples.Select(s => s.RtoSeconds).Order());
        Assert.Equal([900.0, 900.0, 86400.0], report.RtoSamples.OrderBy(s => s.RtoSeconds).Select(s => s.ObjectiveSeconds));
        Assert.Equal((2, 1), (report.RpoCompliance.Samples, report.RpoCompliance.Met));
        Assert.Equal(["configuration", "database", "wal"], report.BackupsByKind.Select(k => k.Kind.Name));
    }

    [Fact]
    public void No_run_is_no_value_not_a_rate()
    {
        var report = KpiReport.Of([], At.AddDays(-1), At);

        Assert.All([report.BackupSuccessRate, report.RecoverySuccessRate, report.RtoCompliance, report.RpoCompliance], kpi =>
        {
            Assert.Equal(0, kpi.Samples);
            Assert.Null(kpi.Value);
            Assert.Null(kpi.MeetsTarget);
        });
    }

    [Fact]
    public void Drills_count_as_dr_tests_and_never_as_recoveries()
    {
        RunRecord At_(string runbook, bool ok, DateTimeOffset from, DateTimeOffset to, string trigger = "manual", ErrorKind? error = null) =>
            Run(runbook, ok, error: error) with { StartedAt = from, EndedAt = to, Trigger = trigger };
        var drill = At_("FailoverTest", true, At.AddHours(-2), At.AddHours(-1));
        var runs = new List<RunRecord>
        {
            drill,
            At_("Failover", true, At.AddHours(-2).AddMinutes(1), At.AddHours(-2).AddMinutes(2), trigger: "monitor"), // the drill's own failover
            At_("Failback", true, At.AddHours(-2).AddMinutes(3), At.AddHours(-2).AddMinutes(4), trigger: "drill"),
            At_("BackupRestoreTest", false, At.AddHours(-5), At.AddHours(-4)),
            At_("FullDrSimulation", false, At.AddHours(-8), At.AddHours(-7), error: ErrorKind.BadInput), // attempted nothing
            At_("Failover", false, At.AddMinutes(-10), At.AddMinutes(-5), trigger: "monitor"), // a real one, outside every drill
        };

        var report = KpiReport.Of(runs, At.AddDays(-1), At);

        Assert.Equal((2, 1), (report.DrTestSuccess.Samples, report.DrTestSuccess.Met));
        Assert.False(report.DrTestSuccess.MeetsTarget); // 50 % < 90 %
        Assert.Equal((1, 0), (report.RecoverySuccessRate.Samples, report.RecoverySuccessRate.Met)); // only the real failover
    }

    [Fact]
    public void A_drill_is_ready_while_its_last_pass_is_younger_than_its_schedule_period()
    {
        var now = new DateTimeOffset(2026, 12, 20, 12, 0, 0, TimeSpan.Zero);
        var table = Schedule_table_test_Table();
        DrillSummary Summary(string runbook, int daysAgo, bool passed) =>
            new($"{runbook}-{daysAgo}", runbook, now.AddDays(-daysAgo).UtcDateTime, now.AddDays(-daysAgo).AddMinutes(1).UtcDateTime, passed, null, null, null,
                null);
        var drills = new[]
        {
            Summary("FailoverTest", 19, passed: true), // monthly: the 1st's run passed
            Summary("BackupRestoreTest", 1, passed: false),
            Summary("BackupRestoreTest", 5, passed: true), // every other day: the last pass is 5 days old
        };

        var readiness = DrillReadiness.Of(drills, table, now).ToDictionary(r => r.Runbook);

        Assert.True(readiness["FailoverTest"].Ready);
        Assert.Equal(30, readiness["FailoverTest"].PeriodDays); // November 1st to December 1st
        Assert.False(readiness["BackupRestoreTest"].Ready);
        Assert.False(readiness["BackupRestoreTest"].LastRunPassed);
        Assert.Equal(5.0, readiness["BackupRestoreTest"].AgeDays!.Value, 2); // from the end of the passing run
        Assert.Null(readiness["FullDrSimulation"].LastPassed);
        Assert.False(readiness["FullDrSimulation"].Ready);
    }

    private static CausalEval.Dr.Core.Schedules.ScheduleTable Schedule_table_test_Table() => Registry.Schedule_table_test.Table();
}
