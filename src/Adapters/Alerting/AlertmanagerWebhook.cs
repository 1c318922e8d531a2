using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Adapters.Alerting;

/// <summary>
/// A webhook receiver: the notification as Alertmanager's webhook body (version 4), so Alertmanager receivers, Grafana
/// OnCall and the like take it as is. Headers: <c>Idempotency-Key</c> (the notification's id: a delivery repeated after a
/// lost answer is the same notification), and <c>X-DR-Signature-256: sha256=HEX</c>, the HMAC-SHA256 of the body under
/// the receiver's secret, when it has one.
/// </summary>
public sealed class AlertmanagerWebhook(HttpClient http, string? externalUrl = null) : IAlertSender
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string SignatureHeader = "X-DR-Signature-256";

    /// <summary>Alertmanager writes a firing alert's end as the zero time.</summary>
    private const string NoEnd = "0001-01-01T00:00:00Z";

    public async Task<SendResult> SendAsync(string receiver, AlertReceiverOptions options, AlertNotification notification,
        CancellationToken cancellationToken)
    {
        var body = Body(receiver, notification, externalUrl).ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(IdempotencyHeader, notification.Id);
        if (!string.IsNullOrEmpty(options.Secret))
        {
            request.Headers.Add(SignatureHeader, Signature(options.Secret, body));
        }

        return await HttpDelivery.PostAsync(http, request, cancellationToken);
    }

    public static string Signature(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    public static JsonObject Body(string receiver, AlertNotification notification, string? externalUrl = null)
    {
        var alerts = new JsonArray();
        foreach (var alert in notification.Alerts)
        {
            alerts.Add(new JsonObject
            {
                ["status"] = alert.Status,
                ["labels"] = Map(alert.DeliveredLabels),
                ["annotations"] = Map(alert.Annotations),
                ["startsAt"] = Time(alert.StartsAt),
                ["endsAt"] = alert.EndsAt is { } ended ? Time(ended) : NoEnd,
                ["generatorURL"] = alert.Annotations.GetValueOrDefault("link") is { } link && externalUrl is not null ? externalUrl.TrimEnd('/') + link : "",
                ["fingerprint"] = alert.Fingerprint,
            });
        }

        return new JsonObject
        {
            ["version"] = "4",
            ["groupKey"] = $"{{}}/{{}}:{notification.GroupKey}",
            ["truncatedAlerts"] = 0,
            ["status"] = notification.Status,
            ["receiver"] = receiver,
            ["groupLabels"] = Map(notification.GroupLabels),
            ["commonLabels"] = Map(Common(notification.Alerts.Select(a => a.DeliveredLabels))),
            ["commonAnnotations"] = Map(Common(notification.Alerts.Select(a => a.Annotations))),
            ["externalURL"] = externalUrl ?? "",
            ["alerts"] = alerts,
        };
    }

    /// <summary>The pairs every alert shares.</summary>
    private static SortedDictionary<string, string> Common(IEnumerable<IReadOnlyDictionary<string, string>> all)
    {
        SortedDictionary<string, string>? common = null;
        foreach (var labels in all)
        {
            common = common is null
                ? new SortedDictionary<string, string>(labels.ToDictionary(l => l.Key, l => l.Value), StringComparer.Ordinal)
                : new SortedDictionary<string, string>(common.Where(c => labels.GetValueOrDefault(c.Key) == c.Value).ToDictionary(c => c.Key, c => c.Value),
                    StringComparer.Ordinal);
        }

        return common ?? new SortedDictionary<string, string>(StringComparer.Ordinal);
    }

    private static JsonObject Map(IReadOnlyDictionary<string, string> pairs) => new(pairs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
