using CausalEval.Dr.Core.Alerts;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Alerts;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Orchestrations.Reports;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Tests.Orchestrations.Alerts;

/// <summary>
/// The rules over a known set of run records and drills fire exactly what a hand count says, with the seed's severities and
/// actions, and the figures in their summaries are the hand count's; a run inside a drill, or a drill's own loss, never
/// passes for a real one.
/// </summary>
public sealed class Alert_rules_agree_with_a_hand_computation_test
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static RunRecord Run(string runbook, bool ok, DateTimeOffset ended, BackupKind? kind = null, string trigger = "schedule",
        params (string, double)[] figures) =>
        new(RunRecord.CurrentFormat, $"{runbook}-{ended:HHmm}", runbook, "1", trigger, kind, null, ended.AddMinutes(-2), ended,
            ok ? RunOutcome.Succeeded : RunOutcome.Failed, ok ? null : new RunError(ErrorKind.Failed, "broke", "step"), [],
            figures.ToDictionary(f => f.Item1, f => f.Item2));

    private static DrillSummary Drill(string runbook, bool passed, DateTimeOffset ended, double? loss = null) =>
        new($"drill-{runbook}-{ended:MMddHHmm}", runbook, ended.AddMinutes(-3).UtcDateTime, ended.UtcDateTime, passed, 1.1, loss, loss is null ? null : 3,
            passed ? null : "an objective was missed");

    private static DrillReadiness Ready(string runbook, double? ageDays, double periodDays) =>
        new(runbook, "0 0 3 1 * *", ageDays is null ? null : Now.AddDays(-ageDays.Value), ageDays is null ? null : $"drill-{runbook}", ageDays, periodDays,
            null, null);

    private static AlertFacts Facts(IReadOnlyList<RunRecord> runs, IReadOnlyList<DrillSummary>? drills = null, IReadOnlyList<DrillReadiness>? readiness = null,
        double backupAgeHours = 3) =>
        new(Now, runs, drills ?? [], readiness ?? [], "20261207T090000Z-abc", Now.AddHours(-backupAgeHours), TimeSpan.FromDays(1));

    private static readonly Dictionary<string, AlertRuleOptions> Defaults = [];

    [Fact]
    public void Backup_failure_fires_per_kind_under_99_percent_over_the_last_day()
    {
        var runs = new List<RunRecord>();
        for (var i = 0; i < 96; i++)
        {
            runs.Add(Run("CheckWalArchive", true, Now.AddMinutes(-15 * i - 1), BackupKind.Wal, figures: ("secondsToArchive", 4)));
        }

        runs[10] = Run("CheckWalArchive", false, Now.AddMinutes(-151), BackupKind.Wal); // 95 of 96: 98.96 %, under 99 %
        runs.Add(Run("BackupDatabase", true, Now.AddHours(-10), BackupKind.Database));
        runs.Add(Run("BackupDatabase", false, Now.AddHours(-30), BackupKind.Database)); // outside the day

        var alerts = AlertRules.Evaluate(Facts(runs), Defaults).Where(a => a.Name == AlertRules.BackupFailure).ToList();

        var wal = Assert.Single(alerts);
        Assert.Equal("wal", wal.Labels["backup_kind"]);
        Assert.Equal("critical", wal.Labels[Alert.SeverityLabel]);
        Assert.Equal("immediate_investigation", wal.Annotations["action"]);
        Assert.Equal("1 of 96 wal backups failed in the last 24 h (success 98.96 %, under 99 %)", wal.Annotations["summary"]);
        Assert.Equal("CheckWalArchive-0929", wal.Annotations["run"]);
    }

    [Fact]
    public void Rto_violation_judges_each_runbooks_latest_recovery_and_never_one_inside_a_drill()
    {
        var runs = new List<RunRecord>
        {
            Run("Failover", true, Now.AddHours(-50), figures: ("rtoSeconds", 2000)), // over 900 s, but an older one
            Run("Failover", true, Now.AddHours(-5), figures: ("rtoSeconds", 30)),
            Run("RecoverRegion", true, Now.AddHours(-3), figures: ("rtoSeconds", 90_000)), // over the full system's 24 h
            Run("Failover", true, Now.AddMinutes(-30), trigger: "drill", figures: ("rtoSeconds", 5000)), // a drill's: not judged
        };

        var alerts = AlertRules.Evaluate(Facts(runs), Defaults).Where(a => a.Name == AlertRules.RtoViolation).ToList();

        var region = Assert.Single(alerts);
        Assert.Equal(("RecoverRegion", "high", "process_review"), (region.Labels["runbook"], region.Labels[Alert.SeverityLabel], region.Annotations["action"]));
        Assert.StartsWith("RecoverRegion RecoverRegion-0900 recovered in 90000 s, over its RTO target of 86400 s", region.Annotations["summary"]);

        // A target set low: the latest failover (30 s) misses it too.
        var low = new Dictionary<string, AlertRuleOptions> { [AlertRules.RtoViolation] = new() { TargetSeconds = 10 } };
        Assert.Equal(["Failover", "RecoverRegion"], AlertRules.Evaluate(Facts(runs), low).Where(a => a.Name == AlertRules.RtoViolation)
            .Select(a => a.Labels["runbook"]).Order());
    }

    [Fact]
    public void Rpo_violation_and_dr_test_failure_read_the_drills()
    {
        var drills = new List<DrillSummary>
        {
            Drill("FailoverTest", true, Now.AddDays(-40), loss: 0),
            Drill("FullDrSimulation", false, Now.AddDays(-20), loss: 420), // lost 7 minutes: over the database RPO of 300 s
            Drill("BackupRestoreTest", true, Now.AddDays(-2)),
            Drill("BackupRestoreTest", false, Now.AddDays(-1)),
            Drill("BackupRestoreTest", true, Now.AddDays(-100)), // outside the quarter
        };

        var alerts = AlertRules.Evaluate(Facts([], drills), Defaults);

        var rpo = Assert.Single(alerts, a => a.Name == AlertRules.RpoViolation);
        Assert.Equal(("FullDrSimulation", "true", "critical", "incident_response"),
            (rpo.Labels["runbook"], rpo.Labels["drill"], rpo.Labels[Alert.SeverityLabel], rpo.Annotations["action"]));
        var tests = Assert.Single(alerts, a => a.Name == AlertRules.DrTestFailure);
        Assert.Equal("medium", tests.Labels[Alert.SeverityLabel]);
        Assert.Equal("procedure_review", tests.Annotations["action"]);
        Assert.StartsWith("2 of 4 DR drills passed completely in the last 92 days (50 %, under 90 %)", tests.Annotations["summary"]);
        Assert.Equal("/api/drills/drill-BackupRestoreTest-12061200/report", tests.Annotations["link"]);
    }

    [Fact]
    public void Age_rules_fire_on_a_stale_backup_a_slow_archive_and_an_overdue_drill()
    {
        var runs = new List<RunRecord>
        {
            Run("CheckWalArchive", true, Now.AddMinutes(-40), BackupKind.Wal, figures: ("secondsToArchive", 4)),
            Run("CheckWalArchive", true, Now.AddMinutes(-10), BackupKind.Wal, figures: ("secondsToArchive", 400)), // the latest: over 300 s
        };
        var readiness = new List<DrillReadiness> { Ready("FailoverTest", 40, 30), Ready("BackupRestoreTest", 1, 2), Ready("FullDrSimulation", null, 92) };

        var alerts = AlertRules.Evaluate(Facts(runs, readiness: readiness, backupAgeHours: 26), Defaults);

        Assert.Equal(["backup_stale", "drill_overdue", "drill_overdue", "wal_archive_lag"], alerts.Select(a => a.Name).Order());
        Assert.Equal(["FailoverTest", "FullDrSimulation"], alerts.Where(a => a.Name == AlertRules.DrillOverdue).Select(a => a.Labels["runbook"]).Order());
        Assert.Contains("is 26 h old", Assert.Single(alerts, a => a.Name == AlertRules.BackupStale).Annotations["summary"]);
        Assert.Contains("took 400 s to archive", Assert.Single(alerts, a => a.Name == AlertRules.WalArchiveLag).Annotations["summary"]);

        // Within the day plus an hour's grace, and a rule switched off: nothing.
        var quiet = new Dictionary<string, AlertRuleOptions> { [AlertRules.WalArchiveLag] = new() { Enabled = false } };
        Assert.Equal(["drill_overdue", "drill_overdue"], AlertRules.Evaluate(Facts(runs, readiness: readiness, backupAgeHours: 24.5), quiet)
            .Select(a => a.Name));
    }

    [Fact]
    public void Settings_bind_rules_by_name_in_any_case_and_a_receivers_grouping_replaces_the_default()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerts:Rules:WAL_ARCHIVE_LAG:Enabled"] = "false",
            ["Alerts:Receivers:hook:Kind"] = "webhook",
            ["Alerts:Receivers:hook:Url"] = "http://127.0.0.1:9/",
            ["Alerts:Receivers:hook:GroupBy:0"] = "item",
            ["Alerts:Receivers:log:Kind"] = "log",
        }).Build();

        var options = AlertOptions.From(configuration);

        Assert.Empty(options.Problems());
        Assert.False(options.Rules[AlertRules.WalArchiveLag].Enabled);
        Assert.Equal(["item"], options.Receivers["hook"].Grouping);
        Assert.Equal([Alert.NameLabel], options.Receivers["log"].Grouping);
        var runs = new List<RunRecord> { Run("CheckWalArchive", true, Now.AddMinutes(-10), BackupKind.Wal, figures: ("secondsToArchive", 400)) };
        Assert.DoesNotContain(AlertRules.Evaluate(Facts(runs), options.Rules), a => a.Name == AlertRules.WalArchiveLag);
    }

    [Fact]
    public void The_same_labels_give_the_same_fingerprint_and_any_other_label_another()
    {
        var one = Alert.Of("backup_failure", "critical", [new("backup_kind", "wal")], "x", "y");
        var again = Alert.Of("backup_failure", "critical", [new("backup_kind", "wal")], "other summary", "y");
        var other = Alert.Of("backup_failure", "critical", [new("backup_kind", "database")], "x", "y");

        Assert.Equal(one.Fingerprint, again.Fingerprint);
        Assert.NotEqual(one.Fingerprint, other.Fingerprint);
        Assert.Matches("^[0-9a-f]{16}$", one.Fingerprint);
    }
}
