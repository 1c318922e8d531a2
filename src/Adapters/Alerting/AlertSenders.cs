using CausalEval.Dr.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Adapters.Alerting;

/// <summary>The sender for a receiver's kind (webhook, pagerduty, log).</summary>
public sealed class AlertSenders(HttpClient http, ILogger logger, string? externalUrl = null) : IAlertSender
{
    private readonly AlertmanagerWebhook webhook = new(http, externalUrl);
    private readonly PagerDutyEvents pagerDuty = new(http);
    private readonly LogReceiver log = new(logger);

    public Task<SendResult> SendAsync(string receiver, AlertReceiverOptions options, AlertNotification notification, CancellationToken cancellationToken) =>
        options.Kind switch
        {
            AlertReceiverOptions.Webhook => webhook.SendAsync(receiver, options, notification, cancellationToken),
            AlertReceiverOptions.PagerDuty => pagerDuty.SendAsync(receiver, options, notification, cancellationToken),
            _ => log.SendAsync(receiver, options, notification, cancellationToken),
        };
}
