using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Adapters.Alerting;

/// <summary>
/// PagerDuty's Events API v2: one event per alert of the notification, <c>trigger</c> while it fires and <c>resolve</c> once
/// it resolved, with <c>dedup_key</c> = the alert's fingerprint (so the resolve closes the incident its trigger opened, and
/// a trigger repeated after a lost answer joins the same incident). The routing key is the receiver's secret.
/// </summary>
public sealed class PagerDutyEvents(HttpClient http) : IAlertSender
{
    public const string DefaultUrl = "https://events.pagerduty.com/v2/enqueue";

    public async Task<SendResult> SendAsync(string receiver, AlertReceiverOptions options, AlertNotification notification,
        CancellationToken cancellationToken)
    {
        var said = new List<string>();
        foreach (var alert in notification.Alerts)
        {
            var body = Event(options.Secret ?? "", alert).ToJsonString();
            using var request = new HttpRequestMessage(HttpMethod.Post, options.Url ?? DefaultUrl)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            var result = await HttpDelivery.PostAsync(http, request, cancellationToken);
            if (!result.Delivered)
            {
                // The events already sent are sent again with the rest: PagerDuty dedupes them by their dedup_key.
                return result with { Detail = $"{alert.Fingerprint}: {result.Detail}" };
            }

            said.Add(result.Detail);
        }

        return SendResult.Ok(string.Join(",", said.Distinct()));
    }

    public static JsonObject Event(string routingKey, AlertEntry alert)
    {
        var details = new JsonObject();
        foreach (var (key, value) in alert.DeliveredLabels.Concat(alert.Annotations))
        {
            details[key] = value;
        }

        var resolved = alert.EndsAt is not null;
        var payload = new JsonObject
        {
            ["summary"] = Limit(alert.Annotations.GetValueOrDefault("summary") ?? alert.Name, 1024),
            ["source"] = "causaleval-dr",
            ["severity"] = Severity(alert.Labels.GetValueOrDefault(Alert.SeverityLabel)),
            ["timestamp"] = alert.StartsAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["class"] = alert.Name,
            ["custom_details"] = details,
        };
        if (alert.Labels.GetValueOrDefault("runbook") is { } runbook)
        {
            payload["component"] = runbook;
        }

        if ((alert.Labels.GetValueOrDefault("region") ?? alert.Labels.GetValueOrDefault("backup_kind")) is { } group)
        {
            payload["group"] = group;
        }

        var message = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = resolved ? "resolve" : "trigger",
            ["dedup_key"] = alert.Fingerprint,
        };
        if (!resolved)
        {
            message["payload"] = payload; // a resolve needs only the key
        }

        return message;
    }

    /// <summary>PagerDuty knows critical, error, warning and info; the seed's high and medium map to error and warning.</summary>
    public static string Severity(string? severity) => severity switch
    {
        "critical" => "critical",
        "high" => "error",
        "medium" => "warning",
        _ => "info",
    };

    private static string Limit(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
