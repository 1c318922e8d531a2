using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <param name="SilencedBy">The silence that mutes it now, if any.</param>
public sealed record AlertView(string Fingerprint, string Name, string Status, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations, DateTimeOffset StartsAt, DateTimeOffset? EndsAt, string? SilencedBy);

/// <summary>What `dr alerts` and <c>GET /api/alerts</c> show: the alerts (firing first), silences, notifications waiting, the
/// latest deliveries and dead letters.</summary>
public sealed record AlertsView(DateTimeOffset At, IReadOnlyList<AlertView> Alerts, IReadOnlyList<Silence> Silences,
    IReadOnlyList<PendingNotification> Waiting, IReadOnlyList<DeliveryRecord> Deliveries, IReadOnlyList<DeliveryRecord> DeadLetters)
{
    public static async Task<AlertsView> ReadAsync(AlertStore store, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var state = await store.ReadAsync(cancellationToken);
        var alerts = state.Alerts.Values
            .OrderBy(a => a.EndsAt is null ? 0 : 1).ThenBy(a => a.Name, StringComparer.Ordinal).ThenBy(a => a.StartsAt)
            .Select(a => new AlertView(a.Fingerprint, a.Name, a.Status, a.DeliveredLabels, a.Annotations, a.StartsAt, a.EndsAt,
                a.EndsAt is null ? AlertBook.SilencedBy(state, a.Labels, now)?.Id : null))
            .ToList();
        return new AlertsView(now, alerts, state.Silences, state.Outbox, state.Deliveries.AsEnumerable().Reverse().ToList(),
            state.DeadLetters.AsEnumerable().Reverse().ToList());
    }
}
