using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Adapters.Alerting;

/// <param name="Delivered">The receiver took it (2xx).</param>
/// <param name="Permanent">It never will (a 4xx other than 408 and 429: a bad URL, key or body): no retry.</param>
/// <param name="RetryAfter">The receiver's Retry-After, when it sent one.</param>
/// <param name="Detail">What the receiver said, for the delivery log ("202", "429 retry after 2 s", "connection refused").</param>
public sealed record SendResult(bool Delivered, bool Permanent, TimeSpan? RetryAfter, string Detail)
{
    public static SendResult Ok(string detail) => new(true, false, null, detail);

    public static SendResult Retry(string detail, TimeSpan? after = null) => new(false, false, after, detail);

    public static SendResult GiveUp(string detail) => new(false, true, null, detail);
}

/// <summary>Sends one notification, once: retries, backoff and dead letters are the outbox's (they must survive a restart).</summary>
public interface IAlertSender
{
    Task<SendResult> SendAsync(string receiver, AlertReceiverOptions options, AlertNotification notification, CancellationToken cancellationToken);
}
