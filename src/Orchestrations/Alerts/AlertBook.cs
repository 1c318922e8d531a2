using System.Security.Cryptography;
using System.Text;

using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <summary>
/// The alert state store's document (<c>alerts/state.json</c>, one writer: the evaluator): what fires, what resolved, each
/// group's last notification, the notifications not yet delivered, the latest deliveries and dead letters. Silences are
/// people's, in their own objects; the evaluator reads them each round into <see cref="Silences"/>.
/// </summary>
public sealed record AlertBookState(Dictionary<string, AlertEntry> Alerts, Dictionary<string, AlertGroup> Groups, List<Silence> Silences,
    List<PendingNotification> Outbox, List<DeliveryRecord> Deliveries, List<DeliveryRecord> DeadLetters)
{
    public static AlertBookState Empty() => new([], [], [], [], [], []);
}

/// <summary>
/// The book keeper: merges what the rules say holds now into the state (new alerts start firing, missing ones resolve,
/// same labels keep their fingerprint and start time), then decides per receiver and group what is due, with
/// Alertmanager's timing: group wait before a new group's first notification, group interval before telling of a change,
/// repeat interval before telling the same again, resolves when the receiver wants them. Pure: the clock is an argument.
/// </summary>
public static class AlertBook
{
    /// <summary>How long resolved alerts stay in the book for people to see once every receiver was told.</summary>
    public static readonly TimeSpan KeepResolved = TimeSpan.FromDays(1);

    /// <param name="drill">The drill running now, if any: alerts that start firing meanwhile are its.</param>
    public static IReadOnlyList<AlertNotification> Step(AlertBookState state, IReadOnlyList<Alert> holding,
        IReadOnlyDictionary<string, AlertReceiverOptions> receivers, DateTimeOffset now, string? drill = null)
    {
        Merge(state, holding, now, drill);
        var notifications = new List<AlertNotification>();
        foreach (var (name, receiver) in receivers)
        {
            notifications.AddRange(Route(state, name, receiver, now));
        }

        Prune(state, now);
        return notifications;
    }

    /// <summary>Whether an active silence covers the alert now.</summary>
    public static Silence? SilencedBy(AlertBookState state, IReadOnlyDictionary<string, string> labels, DateTimeOffset now) =>
        state.Silences.FirstOrDefault(s => s.ActiveAt(now) && s.Silences(labels));

    private static void Merge(AlertBookState state, IReadOnlyList<Alert> holding, DateTimeOffset now, string? drill)
    {
        var current = holding.GroupBy(a => a.Fingerprint).ToDictionary(g => g.Key, g => g.First());
        foreach (var (fingerprint, alert) in current)
        {
            state.Alerts[fingerprint] = state.Alerts.TryGetValue(fingerprint, out var known) && known.EndsAt is null
                ? known with { Annotations = alert.Annotations }
                : new AlertEntry(fingerprint, alert.Labels, alert.Annotations, now, Drill: drill);
        }

        foreach (var entry in state.Alerts.Values.Where(e => e.EndsAt is null && !current.ContainsKey(e.Fingerprint)).ToList())
        {
            state.Alerts[entry.Fingerprint] = entry with { EndsAt = now };
        }
    }

    private static IEnumerable<AlertNotification> Route(AlertBookState state, string name, AlertReceiverOptions receiver, DateTimeOffset now)
    {
        var matchers = receiver.Match.Select(LabelMatcher.Parse).ToList();
        var routed = state.Alerts.Values
            .Where(e => LabelMatcher.All(matchers, e.DeliveredLabels) && !(receiver.Drills == DrillAlerts.Skip && e.FromDrill))
            .GroupBy(e => GroupKey(receiver, e.Labels))
            .ToDictionary(g => g.Key, g => g.ToList());
        var keys = routed.Keys.Union(state.Groups.Values.Where(g => g.Receiver == name).Select(g => g.Key)).ToList();
        foreach (var key in keys)
        {
            var id = $"{name}|{key}";
            var group = state.Groups.GetValueOrDefault(id);
            var told = group?.LastFiring ?? [];
            var entries = routed.GetValueOrDefault(key) ?? [];
            var silenced = entries.Where(e => e.EndsAt is null && SilencedBy(state, e.Labels, now) is not null).Select(e => e.Fingerprint).ToHashSet();
            // Firing and not silenced: told. Silenced after it was told: neither told again nor resolved (a silence mutes, it does not resolve).
            var firing = entries.Where(e => e.EndsAt is null && !silenced.Contains(e.Fingerprint)).OrderBy(e => e.Fingerprint, StringComparer.Ordinal).ToList();
            var held = firing.Select(e => e.Fingerprint).Concat(told.Where(silenced.Contains)).Order(StringComparer.Ordinal).ToList();
            var resolved = told.Where(f => !held.Contains(f)).Select(f => state.Alerts.GetValueOrDefault(f)).OfType<AlertEntry>()
                .Where(e => e.EndsAt is not null).ToList();
            if (group is null)
            {
                if (firing.Count == 0)
                {
                    continue;
                }

                group = new AlertGroup(name, key, GroupLabels(receiver, firing[0].Labels), now, null, [], 0);
                state.Groups[id] = group;
            }

            var changed = !held.SequenceEqual(told);
            var due = group.LastSentAt is not { } last
                ? firing.Count > 0 && now - group.FirstSeen >= TimeSpan.FromSeconds(receiver.GroupWaitSeconds)
                : changed ? now - last >= TimeSpan.FromSeconds(receiver.GroupIntervalSeconds)
                : firing.Count > 0 && now - last >= TimeSpan.FromSeconds(receiver.RepeatIntervalSeconds);
            if (!due)
            {
                continue;
            }

            var tell = receiver.SendResolved ? resolved : [];
            if (firing.Count == 0 && tell.Count == 0)
            {
                // Nothing to say: every alert resolved and this receiver is not told of resolves, or all are silenced.
                if (held.Count == 0)
                {
                    state.Groups.Remove(id);
                }
                else
                {
                    state.Groups[id] = group with { LastFiring = held };
                }

                continue;
            }

            var sequence = group.Sequence + 1;
            yield return new AlertNotification($"{Slug(name)}-{Hash(key)}-{group.FirstSeen.ToUnixTimeMilliseconds()}-{sequence}", name, key, group.GroupLabels,
                firing.Count > 0 ? "firing" : "resolved", [.. firing, .. tell], now);
            if (held.Count == 0)
            {
                state.Groups.Remove(id);
            }
            else
            {
                state.Groups[id] = group with { LastSentAt = now, LastFiring = held, Sequence = sequence };
            }
        }
    }

    /// <summary>Resolved alerts no group still owes a resolve, a day after they resolved.</summary>
    private static void Prune(AlertBookState state, DateTimeOffset now)
    {
        var owed = state.Groups.Values.SelectMany(g => g.LastFiring).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in state.Alerts.Values.Where(e => e.EndsAt is { } ended && now - ended > KeepResolved && !owed.Contains(e.Fingerprint)).ToList())
        {
            state.Alerts.Remove(entry.Fingerprint);
        }

    }

    private static string GroupKey(AlertReceiverOptions receiver, IReadOnlyDictionary<string, string> labels) =>
        "{" + string.Join(",", receiver.Grouping.Order(StringComparer.Ordinal).Select(l => $"{l}=\"{labels.GetValueOrDefault(l) ?? ""}\"")) + "}";

    private static SortedDictionary<string, string> GroupLabels(AlertReceiverOptions receiver, IReadOnlyDictionary<string, string> labels) =>
        new(receiver.Grouping.Where(labels.ContainsKey).ToDictionary(l => l, l => labels[l]), StringComparer.Ordinal);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    private static string Slug(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
}
