using System.Globalization;
using CausalEval.Dr.Core.Alerts;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Orchestrations.Incidents;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Reports;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <param name="NewestDatabaseBackupAt">The newest complete base backup (null: none).</param>
/// <param name="DatabaseBackupPeriod">Its schedule's period (daily at 02:00: a day).</param>
public sealed record AlertFacts(
    DateTimeOffset Now,
    IReadOnlyList<RunRecord> Runs,
    IReadOnlyList<DrillSummary> Drills,
    IReadOnlyList<DrillReadiness> Readiness,
    string? NewestDatabaseBackup,
    DateTimeOffset? NewestDatabaseBackupAt,
    TimeSpan DatabaseBackupPeriod,
    IReadOnlyList<IncidentRecord>? Incidents = null);

/// <summary>
/// The alert rules, read from run records, drill reports and the backup catalog (the same facts the KPI report reads, so
/// an alert and the report never disagree). The seed's four — backup_failure, rto_violation, rpo_violation,
/// dr_test_failure, with its severities and actions — and three on age: backup_stale, wal_archive_lag, drill_overdue.
/// Each rule gives the alerts that hold now; an alert that no longer holds is resolved by the caller.
/// </summary>
public static class AlertRules
{
    public const string BackupFailure = "backup_failure";
    public const string RtoViolation = "rto_violation";
    public const string RpoViolation = "rpo_violation";
    public const string DrTestFailure = "dr_test_failure";
    public const string BackupStale = "backup_stale";
    public const string WalArchiveLag = "wal_archive_lag";
    public const string DrillOverdue = "drill_overdue";
    public const string IncidentItemOverdue = "incident_item_overdue";

    /// <summary>Raised by delivery itself (a notification that failed past its budget), not evaluated here.</summary>
    public const string DeliveryFailed = "alert_delivery_failed";

    public static IReadOnlyList<string> Names { get; } =
        [BackupFailure, RtoViolation, RpoViolation, DrTestFailure, BackupStale, WalArchiveLag, DrillOverdue, IncidentItemOverdue];

    public static IReadOnlyList<string> Severities { get; } = ["critical", "high", "medium", "low"];

    public static IReadOnlyList<Alert> Evaluate(AlertFacts facts, IReadOnlyDictionary<string, AlertRuleOptions> options)
    {
        var alerts = new List<Alert>();
        AlertRuleOptions Options(string name) => options.GetValueOrDefault(name) ?? new AlertRuleOptions();
        void Add(string name, Func<AlertFacts, AlertRuleOptions, IEnumerable<Alert>> rule)
        {
            if (Options(name).Enabled)
            {
                alerts.AddRange(rule(facts, Options(name)));
            }
        }

        Add(BackupFailure, BackupFailures);
        Add(RtoViolation, RtoViolations);
        Add(RpoViolation, RpoViolations);
        Add(DrTestFailure, DrTestFailures);
        Add(BackupStale, StaleBackups);
        Add(WalArchiveLag, ArchiveLags);
        Add(DrillOverdue, OverdueDrills);
        Add(IncidentItemOverdue, OverdueIncidentItems);
        return alerts;
    }

    /// <summary>Seed: backup success rate under 99 % (critical, immediate investigation), per backup kind over a day.</summary>
    private static IEnumerable<Alert> BackupFailures(AlertFacts facts, AlertRuleOptions o)
    {
        var (from, window) = Window(facts, o, 24);
        var threshold = o.Threshold ?? 0.99;
        var report = KpiReport.Of(InWindow(facts, from), from, facts.Now);
        foreach (var kind in report.BackupsByKind.Where(k => k.Rate < threshold))
        {
            var lastFailed = facts.Runs.Where(r => r.BackupKind == kind.Kind && !r.Succeeded && r.EndedAt >= from).MaxBy(r => r.EndedAt);
            yield return Alert.Of(BackupFailure, o.Severity ?? "critical", [new("backup_kind", kind.Kind.Name)],
                $"{kind.Runs - kind.Succeeded} of {kind.Runs} {kind.Kind.Name} backups failed in the last {window} (success {Percent(kind.Rate!.Value)}, " +
                $"under {Percent(threshold)})",
                "immediate_investigation", RunLinks(lastFailed?.InstanceId));
        }
    }

    /// <summary>Seed: recovery time over its RTO target (high, process review): per runbook, its latest measured recovery.</summary>
    private static IEnumerable<Alert> RtoViolations(AlertFacts facts, AlertRuleOptions o)
    {
        var (from, window) = Window(facts, o, 24 * 7);
        var report = KpiReport.Of(InWindow(facts, from), from, facts.Now);
        foreach (var latest in report.RtoSamples.GroupBy(s => s.Runbook).Select(g => g.MaxBy(s => s.EndedAt)!))
        {
            var target = o.TargetSeconds ?? latest.ObjectiveSeconds;
            if (latest.RtoSeconds > target)
            {
                yield return Alert.Of(RtoViolation, o.Severity ?? "high", [new("runbook", latest.Runbook)],
                    $"{latest.Runbook} {latest.InstanceId} recovered in {Seconds(latest.RtoSeconds)}, over its RTO target of {Seconds(target)} " +
                    $"(the latest in the last {window})",
                    "process_review", RunLinks(latest.InstanceId));
            }
        }
    }

    /// <summary>
    /// Seed: data loss over the RPO target (critical, incident response): per drill kind, the latest whose measured RPO (the
    /// prober's acknowledged writes lost, as time; the backup-restore test's archive age) is over the database RPO, over a
    /// quarter (until a later drill of that kind meets it). Tagged drill="true": a drill measured it.
    /// </summary>
    private static IEnumerable<Alert> RpoViolations(AlertFacts facts, AlertRuleOptions o)
    {
        var (from, window) = Window(facts, o, 24 * 92);
        var target = o.TargetSeconds ?? RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds;
        foreach (var latest in facts.Drills.Where(d => d.EndedAt >= from.UtcDateTime && (d.RpoSeconds ?? d.LossWindowSeconds) is not null)
                     .GroupBy(d => d.Runbook).Select(g => g.MaxBy(d => d.EndedAt)!))
        {
            var loss = (latest.RpoSeconds ?? latest.LossWindowSeconds)!.Value;
            if (loss > target)
            {
                yield return Alert.Of(RpoViolation, o.Severity ?? "critical",
                    [new("data_class", "database"), new("runbook", latest.Runbook), new("drill", "true")],
                    $"{latest.Runbook} {latest.Drill} measured {Seconds(loss)} of data at risk ({latest.LostWrites?.ToString() ?? "no"} acknowledged " +
                    $"writes lost), over the database RPO of {Seconds(target)} (the latest in the last {window})",
                    "incident_response", DrillLinks(latest.Drill));
            }
        }
    }

    /// <summary>Seed: DR test success under 90 % (medium, procedure review), over a quarter (the full simulation's period).</summary>
    private static IEnumerable<Alert> DrTestFailures(AlertFacts facts, AlertRuleOptions o)
    {
        var (from, window) = Window(facts, o, 24 * 92);
        var threshold = o.Threshold ?? 0.9;
        var drills = facts.Drills.Where(d => d.EndedAt >= from.UtcDateTime).ToList();
        var passed = drills.Count(d => d.Passed);
        if (drills.Count > 0 && (double)passed / drills.Count < threshold)
        {
            var lastFailed = drills.Where(d => !d.Passed).MaxBy(d => d.EndedAt)!;
            yield return Alert.Of(DrTestFailure, o.Severity ?? "medium", [],
                $"{passed} of {drills.Count} DR drills passed completely in the last {window} ({Percent((double)passed / drills.Count)}, " +
                $"under {Percent(threshold)}); " +
                $"the latest failure: {lastFailed.Runbook} {lastFailed.Drill}",
                "procedure_review", DrillLinks(lastFailed.Drill));
        }
    }

    /// <summary>No complete base backup newer than its schedule's period plus a grace (an hour).</summary>
    private static IEnumerable<Alert> StaleBackups(AlertFacts facts, AlertRuleOptions o)
    {
        var limit = facts.DatabaseBackupPeriod + TimeSpan.FromHours(o.GraceHours ?? 1);
        if (facts.NewestDatabaseBackupAt is not { } taken)
        {
            yield return Alert.Of(BackupStale, o.Severity ?? "critical", [new("backup_kind", "database")], "no complete database backup at all",
                "immediate_investigation");
        }
        else if (facts.Now - taken > limit)
        {
            yield return Alert.Of(BackupStale, o.Severity ?? "critical", [new("backup_kind", "database")],
                $"the newest complete database backup, {facts.NewestDatabaseBackup}, is {Age(facts.Now - taken)} old: more than its schedule's period " +
                $"plus grace ({Age(limit)})",
                "immediate_investigation");
        }
    }

    /// <summary>The latest WAL archive check (every 15 min) failed, or took a segment longer than the database RPO to archive.</summary>
    private static IEnumerable<Alert> ArchiveLags(AlertFacts facts, AlertRuleOptions o)
    {
        var target = o.TargetSeconds ?? RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds;
        var latest = facts.Runs.Where(r => RunbookRegistry.Find(r.Runbook)?.ProvesRpoOf == DataClass.Database && r.Trigger != "drill")
            .MaxBy(r => r.EndedAt);
        if (latest is null)
        {
            yield break;
        }

        var lag = latest.Figures?.GetValueOrDefault("secondsToArchive");
        if (!latest.Succeeded || lag is null || lag > target)
        {
            yield return Alert.Of(WalArchiveLag, o.Severity ?? "critical", [new("data_class", "database")],
                latest.Succeeded && lag is { } seconds
                    ? $"the latest WAL archive check ({latest.InstanceId}) took {Seconds(seconds)} to archive a segment: over the database RPO of " +
                      $"{Seconds(target)}"
                    : $"the latest WAL archive check ({latest.InstanceId}) did not prove the archive: {latest.Error?.Message ?? "no figure"}",
                "incident_response", RunLinks(latest.InstanceId));
        }
    }

    /// <summary>A scheduled drill whose last pass is older than its schedule's period plus a day (or that never passed).</summary>
    private static IEnumerable<Alert> OverdueDrills(AlertFacts facts, AlertRuleOptions o) =>
        facts.Readiness.Where(r => !r.Ready).Select(r => Alert.Of(DrillOverdue, o.Severity ?? "medium", [new("runbook", r.Runbook)],
            r.LastPassed is { } passed
                ? $"{r.Runbook} last passed {r.AgeDays:0.#} days ago ({r.LastPassedDrill}); its schedule ({r.Cron}) runs every {r.PeriodDays:0.#} days"
                : $"{r.Runbook} never passed; its schedule is {r.Cron}",
            "procedure_review", r.LastPassedDrill is null ? null : DrillLinks(r.LastPassedDrill)));

    /// <summary>An open incident's checklist item past its due time and not ticked: one alert per item, resolved by the tick.</summary>
    private static IEnumerable<Alert> OverdueIncidentItems(AlertFacts facts, AlertRuleOptions o) =>
        (facts.Incidents ?? []).Where(i => i.Open).SelectMany(incident => incident.Items
            .Where(item => item.Tick is null && facts.Now.UtcDateTime >= item.DueAt)
            .Select(item => Alert.Of(IncidentItemOverdue, o.Severity ?? "high",
                [new("incident", incident.Id), new("item", item.Id), new("owner", item.Owner), .. Drilled(incident.Drill)],
                $"{incident.Id} ({incident.Severity}: {incident.Summary}): \"{item.Text}\" was due at {item.DueAt:u} and is not done ({item.Owner})",
                "tick_or_skip_the_item", new Dictionary<string, string> { ["run"] = incident.Id, ["link"] = $"/api/incidents/{incident.Id}" })));

    private static KeyValuePair<string, string>[] Drilled(string? drill) => drill is null ? [] : [new("drill", "true")];

    private static (DateTimeOffset From, string Words) Window(AlertFacts facts, AlertRuleOptions o, double defaultHours)
    {
        var hours = o.WindowHours ?? defaultHours;
        var words = hours >= 48 && hours % 24 == 0 ? $"{hours / 24:0} days" : $"{hours.ToString("0.##", CultureInfo.InvariantCulture)} h";
        return (facts.Now.AddHours(-hours), words);
    }

    private static List<RunRecord> InWindow(AlertFacts facts, DateTimeOffset from) => facts.Runs.Where(r => r.EndedAt >= from).ToList();

    private static Dictionary<string, string>? RunLinks(string? instance) =>
        instance is null ? null : new() { ["run"] = instance, ["link"] = $"/api/runs/{instance}" };

    private static Dictionary<string, string> DrillLinks(string drill) => new() { ["run"] = drill, ["link"] = $"/api/drills/{drill}/report" };

    private static string Seconds(double seconds) => $"{seconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    private static string Percent(double rate) => $"{(rate * 100).ToString("0.##", CultureInfo.InvariantCulture)} %";

    private static string Age(TimeSpan age) => age.TotalHours >= 48 ? $"{age.TotalDays:0.#} days" : $"{age.TotalHours:0.#} h";
}
