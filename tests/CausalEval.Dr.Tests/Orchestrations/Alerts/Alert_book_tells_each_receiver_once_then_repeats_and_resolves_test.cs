using CausalEval.Dr.Core.Alerts;
using CausalEval.Dr.Orchestrations.Alerts;

namespace CausalEval.Dr.Tests.Orchestrations.Alerts;

/// <summary>
/// Alertmanager's timing on a fake clock: a new group waits its group wait, then is told once; nothing more within the
/// repeat interval; the same again after it; a change (an alert added or resolved) after the group interval; the resolve
/// carries the firing's fingerprint; a silence mutes without resolving; a receiver that skips drills never hears of one.
/// </summary>
public sealed class Alert_book_tells_each_receiver_once_then_repeats_and_resolves_test
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, AlertReceiverOptions> Receivers = new()
    {
        ["oncall"] = new AlertReceiverOptions
        {
            Kind = AlertReceiverOptions.Webhook, Url = "http://127.0.0.1:1/", GroupWaitSeconds = 30, GroupIntervalSeconds = 300, RepeatIntervalSeconds = 3600,
            Drills = DrillAlerts.Skip,
        },
    };

    private static Alert Backup(string kind) =>
        Alert.Of(AlertRules.BackupFailure, "critical", [new("backup_kind", kind)], $"{kind} backups fail", "immediate_investigation");

    [Fact]
    public void A_group_is_told_once_repeated_after_the_interval_and_resolved_with_the_same_fingerprint()
    {
        var state = AlertBookState.Empty();
        var wal = Backup("wal");

        Assert.Empty(AlertBook.Step(state, [wal], Receivers, T0)); // group wait
        Assert.Empty(AlertBook.Step(state, [wal], Receivers, T0.AddSeconds(29)));
        var first = Assert.Single(AlertBook.Step(state, [wal], Receivers, T0.AddSeconds(30)));
        Assert.Equal(("firing", wal.Fingerprint, T0), (first.Status, Assert.Single(first.Alerts).Fingerprint, first.Alerts[0].StartsAt));

        Assert.Empty(AlertBook.Step(state, [wal], Receivers, T0.AddMinutes(30))); // within the repeat interval
        var repeat = Assert.Single(AlertBook.Step(state, [wal], Receivers, T0.AddSeconds(30 + 3600)));
        Assert.NotEqual(first.Id, repeat.Id);

        // Another kind joins the same group (grouped by alertname): told after the group interval, with both.
        var database = Backup("database");
        var at = T0.AddSeconds(30 + 3600);
        Assert.Empty(AlertBook.Step(state, [wal, database], Receivers, at.AddSeconds(100)));
        var joined = Assert.Single(AlertBook.Step(state, [wal, database], Receivers, at.AddSeconds(300)));
        Assert.Equal(2, joined.Alerts.Count);

        // Both clear: one resolved notification, each alert with its firing's fingerprint and start, and an end.
        at = at.AddSeconds(300);
        Assert.Empty(AlertBook.Step(state, [], Receivers, at.AddSeconds(10)));
        var resolved = Assert.Single(AlertBook.Step(state, [], Receivers, at.AddSeconds(300)));
        Assert.Equal("resolved", resolved.Status);
        Assert.Equal(new[] { database.Fingerprint, wal.Fingerprint }.Order(), resolved.Alerts.Select(a => a.Fingerprint).Order());
        Assert.All(resolved.Alerts, a => Assert.Equal(at.AddSeconds(10), a.EndsAt));
        Assert.Equal(T0, resolved.Alerts.Single(a => a.Fingerprint == wal.Fingerprint).StartsAt);
        Assert.Empty(state.Groups);
        Assert.Empty(AlertBook.Step(state, [], Receivers, at.AddDays(2)));
        Assert.Empty(state.Alerts); // pruned a day after the resolve was told

        // Firing again later is a new alert (a new start) in a new group whose notifications never reuse an id.
        var again = AlertBook.Step(state, [wal], Receivers, at.AddDays(3));
        Assert.Empty(again);
        var refire = Assert.Single(AlertBook.Step(state, [wal], Receivers, at.AddDays(3).AddSeconds(30)));
        Assert.NotEqual(first.Id, refire.Id);
        Assert.Equal(at.AddDays(3), refire.Alerts[0].StartsAt);
    }

    [Fact]
    public void A_silence_mutes_a_matching_alert_and_not_another_and_drills_skip_a_receiver_that_skips_them()
    {
        var state = AlertBookState.Empty();
        state.Silences.Add(new Silence("s1", ["backup_kind=wal"], T0, T0.AddHours(1), "alice", "maintenance"));
        var wal = Backup("wal");
        var database = Backup("database");
        var drill = Alert.Of(AlertRules.RpoViolation, "critical", [new("drill", "true")], "a drill lost data", "incident_response");

        AlertBook.Step(state, [wal, database, drill], Receivers, T0);
        var told = AlertBook.Step(state, [wal, database, drill], Receivers, T0.AddSeconds(30));

        var only = Assert.Single(told);
        Assert.Equal([database.Fingerprint], only.Alerts.Select(a => a.Fingerprint));
        Assert.NotNull(AlertBook.SilencedBy(state, wal.Labels, T0.AddSeconds(30)));
        Assert.Null(AlertBook.SilencedBy(state, database.Labels, T0.AddSeconds(30)));

        // The silence ends while wal still fails: now it is told (a change, after the group interval).
        var after = AlertBook.Step(state, [wal, database, drill], Receivers, T0.AddHours(1).AddSeconds(300));
        Assert.Equal(new[] { database.Fingerprint, wal.Fingerprint }.Order(), Assert.Single(after).Alerts.Select(a => a.Fingerprint).Order());
        Assert.DoesNotContain(state.Groups.Values, g => g.LastFiring.Contains(drill.Fingerprint));

        // An alert that starts firing while a drill runs is the drill's: tagged for a receiver that takes drills, skipped by one that does not.
        var tagging = new Dictionary<string, AlertReceiverOptions>(Receivers) { ["drills"] = new() { Kind = AlertReceiverOptions.Log, GroupWaitSeconds = 0 } };
        var stale = Alert.Of(AlertRules.BackupStale, "critical", [new("backup_kind", "database")], "no backup", "immediate_investigation");
        var during = AlertBook.Step(state, [wal, database, drill, stale], tagging, T0.AddHours(2), drill: "drtest-1");
        var tagged = Assert.Single(during, n => n.Receiver == "drills" && n.Alerts.Any(a => a.Fingerprint == stale.Fingerprint));
        Assert.Equal("true", tagged.Alerts.Single(a => a.Fingerprint == stale.Fingerprint).DeliveredLabels["drill"]);
        Assert.Equal(stale.Fingerprint, AlertFingerprint.Of(tagged.Alerts.Single(a => a.Fingerprint == stale.Fingerprint).Labels)); // same identity
        Assert.DoesNotContain(AlertBook.Step(state, [wal, database, drill, stale], tagging, T0.AddHours(3), drill: "drtest-1"),
            n => n.Receiver == "oncall" && n.Alerts.Any(a => a.Fingerprint == stale.Fingerprint));
    }
}
