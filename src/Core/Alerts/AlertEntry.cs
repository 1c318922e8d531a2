using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Core.Alerts;

/// <summary>An alert's life in the book: when it started firing, and when it resolved.</summary>
/// <param name="Drill">The drill that ran when it started firing: a drill's alert, delivered tagged drill="true" (or not at all, as the
/// receiver says). It is not a label of the rule's, so it does not change the alert's fingerprint.</param>
public sealed record AlertEntry(string Fingerprint, SortedDictionary<string, string> Labels, SortedDictionary<string, string> Annotations,
    DateTimeOffset StartsAt, DateTimeOffset? EndsAt = null, string? Drill = null)
{
    public string Status => EndsAt is null ? "firing" : "resolved";

    public string Name => Labels.GetValueOrDefault(Alert.NameLabel) ?? "";

    public bool FromDrill => Drill is not null || Labels.GetValueOrDefault("drill") == "true";

    /// <summary>The labels a receiver gets: the rule's, plus drill="true" for a drill's alert.</summary>
    public SortedDictionary<string, string> DeliveredLabels =>
        Drill is null ? Labels : new SortedDictionary<string, string>(Labels, StringComparer.Ordinal) { ["drill"] = "true" };
}

/// <summary>One receiver's group of alerts (the values of its group-by labels) and what it was last told.</summary>
/// <param name="LastFiring">The fingerprints firing in the group's last notification.</param>
/// <param name="Sequence">Notifications sent for the group so far: the next one's id ends with Sequence + 1.</param>
public sealed record AlertGroup(string Receiver, string Key, SortedDictionary<string, string> GroupLabels, DateTimeOffset FirstSeen,
    DateTimeOffset? LastSentAt, IReadOnlyList<string> LastFiring, int Sequence);

/// <summary>A silence: alerts its matchers all match are not delivered between its start and end (they still show, as silenced).</summary>
public sealed record Silence(string Id, IReadOnlyList<string> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment)
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(30);

    /// <summary>A silence from now for <paramref name="length"/>, checked as `dr alerts silence` and <c>POST /api/alerts/silences</c> both check it.</summary>
    /// <exception cref="BadInputException">A matcher that does not parse, a length outside (0, 30 days], or nobody or no reason given.</exception>
    public static Silence Create(IReadOnlyList<string>? matchers, TimeSpan length, string? by, string? comment, DateTimeOffset now)
    {
        if (matchers is null || matchers.Count == 0)
        {
            throw new BadInputException("matchers: at least one, e.g. alertname=backup_failure");
        }

        if (matchers.Select(LabelMatcher.Parse).FirstOrDefault(m => m.Problem is not null) is { } bad)
        {
            throw new BadInputException($"matchers: {bad.Problem}");
        }

        if (length <= TimeSpan.Zero || length > Longest)
        {
            throw new BadInputException($"for: {length} is outside (0, 30 days]");
        }

        if (string.IsNullOrWhiteSpace(by) || string.IsNullOrWhiteSpace(comment))
        {
            throw new BadInputException("by and comment: who silences, and why, are required");
        }

        return new Silence($"silence-{now:yyyyMMddTHHmmss}-{Guid.NewGuid().ToString("N")[..6]}", [.. matchers], now, now + length, by.Trim(), comment.Trim());
    }

    public bool ActiveAt(DateTimeOffset now) => StartsAt <= now && now < EndsAt;

    public bool Silences(IReadOnlyDictionary<string, string> labels) => LabelMatcher.All(Matchers.Select(LabelMatcher.Parse), labels);
}

/// <summary>
/// A notification to one receiver about one group, firing alerts and resolved ones together (Alertmanager's). Its id is
/// the receiver, the group, when the group first fired and its sequence number: saved with the state before any delivery,
/// so a delivery repeated after a crash carries the same id, which the receiver's idempotency key dedupes.
/// </summary>
public sealed record AlertNotification(string Id, string Receiver, string GroupKey, SortedDictionary<string, string> GroupLabels, string Status,
    IReadOnlyList<AlertEntry> Alerts, DateTimeOffset CreatedAt);

/// <summary>A notification waiting in the outbox: delivered at the next round at or after <see cref="NextAttemptAt"/>.</summary>
public sealed record PendingNotification(AlertNotification Notification, int Attempts, DateTimeOffset NextAttemptAt, string? LastError);

/// <summary>A notification that was delivered, or given up on (a dead letter), and what the receiver said.</summary>
public sealed record DeliveryRecord(string Id, string Receiver, string Status, int Alerts, DateTimeOffset CreatedAt, DateTimeOffset At, int Attempts,
    string Result);
