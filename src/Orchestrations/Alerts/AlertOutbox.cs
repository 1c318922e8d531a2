using CausalEval.Dr.Adapters.Alerting;
using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <summary>
/// The notifications not yet delivered, kept in the alert state (so a restart neither re-sends what was delivered nor drops
/// what was not). Each round delivers what is due, in order per receiver; a receiver that does not take one (429, 5xx, no
/// answer) is asked again after a backoff, or its Retry-After when longer, until the receiver's delivery budget; past it, or
/// on a permanent refusal, the notification goes to the dead letters and <c>alert_delivery_failed</c> fires for the receiver
/// until a later delivery to it succeeds.
/// </summary>
public static class AlertOutbox
{
    /// <summary>Deliveries and dead letters kept for `dr alerts` and the API.</summary>
    public const int KeepRecords = 50;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Queues the round's notifications. A newer notification for a group replaces one still waiting (it carries the group's
    /// current state), keeping the resolves the older one owed: a receiver that was down hears the latest, once.
    /// </summary>
    public static void Enqueue(AlertBookState state, IEnumerable<AlertNotification> notifications)
    {
        foreach (var notification in notifications)
        {
            var waiting = state.Outbox.FirstOrDefault(p =>
                p.Notification.Receiver == notification.Receiver && p.Notification.GroupKey == notification.GroupKey);
            if (waiting is null)
            {
                state.Outbox.Add(new PendingNotification(notification, 0, notification.CreatedAt, null));
                continue;
            }

            var owed = waiting.Notification.Alerts.Where(a => a.EndsAt is not null && notification.Alerts.All(n => n.Fingerprint != a.Fingerprint));
            var merged = notification with { Alerts = [.. notification.Alerts, .. owed] };
            state.Outbox[state.Outbox.IndexOf(waiting)] = waiting with { Notification = merged };
        }
    }

    public static async Task<int> DeliverAsync(AlertBookState state, IReadOnlyDictionary<string, AlertReceiverOptions> receivers, IAlertSender sender,
        Func<DateTimeOffset> clock, CancellationToken cancellationToken)
    {
        var delivered = 0;
        foreach (var queue in state.Outbox.GroupBy(p => p.Notification.Receiver).ToList())
        {
            foreach (var pending in queue.OrderBy(p => p.Notification.CreatedAt).ToList())
            {
                if (pending.NextAttemptAt > clock())
                {
                    break; // in order: nothing after one that waits
                }

                var notification = pending.Notification;
                state.Outbox.Remove(pending);
                if (!receivers.TryGetValue(notification.Receiver, out var receiver))
                {
                    Keep(state.DeadLetters, Record(pending, clock(), "the receiver is no longer configured"));
                    continue;
                }

                var result = await sender.SendAsync(notification.Receiver, receiver, notification, cancellationToken);
                var now = clock();
                var attempts = pending.Attempts + 1;
                if (result.Delivered)
                {
                    delivered++;
                    Keep(state.Deliveries, Record(pending with { Attempts = attempts }, now, result.Detail));
                    continue;
                }

                if (result.Permanent || now - notification.CreatedAt >= TimeSpan.FromSeconds(receiver.DeliveryBudgetSeconds))
                {
                    Keep(state.DeadLetters, Record(pending with { Attempts = attempts }, now, result.Detail));
                    continue;
                }

                var wait = Backoff(attempts);
                if (result.RetryAfter is { } after && after > wait)
                {
                    wait = after;
                }

                state.Outbox.Add(pending with { Attempts = attempts, NextAttemptAt = now + wait, LastError = result.Detail });
                break; // the receiver does not take notifications now: the rest wait their turn
            }
        }

        return delivered;
    }

    /// <summary>1 s, 2 s, 4 s … up to 5 minutes between attempts.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts, 20) - 1)));

    /// <summary>alert_delivery_failed for each receiver whose latest dead letter is newer than its latest delivery.</summary>
    public static IEnumerable<Alert> DeliveryFailures(AlertBookState state) =>
        state.DeadLetters.GroupBy(d => d.Receiver).Select(g => g.MaxBy(d => d.At)!)
            .Where(dead => state.Deliveries.Where(d => d.Receiver == dead.Receiver).All(d => d.At < dead.At))
            .Select(dead => Alert.Of(AlertRules.DeliveryFailed, "high", [new("receiver", dead.Receiver)],
                $"notification {dead.Id} to {dead.Receiver} was given up after {dead.Attempts} attempts: {dead.Result}", "check_the_receiver"));

    private static DeliveryRecord Record(PendingNotification pending, DateTimeOffset at, string result) =>
        new(pending.Notification.Id, pending.Notification.Receiver, pending.Notification.Status, pending.Notification.Alerts.Count,
            pending.Notification.CreatedAt, at, pending.Attempts, result);

    private static void Keep(List<DeliveryRecord> records, DeliveryRecord record)
    {
        records.Add(record);
        if (records.Count > KeepRecords)
        {
            records.RemoveRange(0, records.Count - KeepRecords);
        }
    }
}
