using CausalEval.Dr.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Adapters.Alerting;

/// <summary>The log as a receiver: one line per alert of the notification (where no one configured anything else, alerts still show).</summary>
public sealed class LogReceiver(ILogger logger) : IAlertSender
{
    public Task<SendResult> SendAsync(string receiver, AlertReceiverOptions options, AlertNotification notification, CancellationToken cancellationToken)
    {
        foreach (var alert in notification.Alerts)
        {
            logger.LogWarning("alert {Status} {Name} {Fingerprint} {Labels}: {Summary} (receiver {Receiver}, notification {Id})", alert.Status, alert.Name,
                alert.Fingerprint, string.Join(",", alert.Labels.Select(l => $"{l.Key}={l.Value}")), alert.Annotations.GetValueOrDefault("summary"), receiver,
                notification.Id);
        }

        return Task.FromResult(SendResult.Ok("logged"));
    }
}
