namespace CausalEval.Dr.Core.Alerts;

/// <summary>What a receiver does with the drills' own alerts (label drill="true").</summary>
public enum DrillAlerts { Deliver, Skip }

/// <summary>
/// One receiver (<c>Alerts:Receivers:{name}</c>), as Alertmanager's receiver plus its route: where notifications go
/// (<see cref="Kind"/>, <see cref="Url"/>), which alerts it takes (<see cref="Match"/>), how they are grouped and
/// repeated. The secret is read where the notification is sent, never carried in orchestration history.
/// </summary>
public sealed class AlertReceiverOptions
{
    public const string Webhook = "webhook";
    public const string PagerDuty = "pagerduty";
    public const string Log = "log";

    /// <summary><c>webhook</c> (Alertmanager v4 body), <c>pagerduty</c> (Events API v2) or <c>log</c>.</summary>
    public string Kind { get; set; } = Log;

    /// <summary>The webhook's URL, or the Events API endpoint (default: PagerDuty's).</summary>
    public string? Url { get; set; }

    /// <summary>Webhook: the HMAC-SHA256 key of the signature header. PagerDuty: the integration's routing key.</summary>
    public string? Secret { get; set; }

    /// <summary>Label matchers the alert must all meet: <c>severity=critical</c>, <c>alertname!=drill_overdue</c>, <c>severity=~critical|high</c>.</summary>
    public List<string> Match { get; set; } = [];

    /// <summary>The labels alerts are grouped by: one notification per group. None given: alertname (empty by default, because
    /// configuration binding appends to a list it finds).</summary>
    public List<string> GroupBy { get; set; } = [];

    /// <summary>What the alerts are grouped by: <see cref="GroupBy"/>, or alertname.</summary>
    public IReadOnlyList<string> Grouping => GroupBy.Count > 0 ? GroupBy : [Alert.NameLabel];

    /// <summary>How long a new group waits for more alerts before its first notification.</summary>
    public double GroupWaitSeconds { get; set; } = 30;

    /// <summary>How long a group waits after a notification before it tells of a change (an alert added or resolved).</summary>
    public double GroupIntervalSeconds { get; set; } = 300;

    /// <summary>How long before a notification of an unchanged firing group is sent again.</summary>
    public double RepeatIntervalSeconds { get; set; } = 4 * 3600;

    public bool SendResolved { get; set; } = true;

    /// <summary>The drills' alerts (drill="true"): delivered (tagged) or not at all.</summary>
    public DrillAlerts Drills { get; set; } = DrillAlerts.Deliver;

    /// <summary>How long a notification is retried (429 and 5xx, with backoff and Retry-After) before it goes to the dead letters.</summary>
    public double DeliveryBudgetSeconds { get; set; } = 3600;

    public IEnumerable<string> Problems(string name)
    {
        var at = $"Alerts:Receivers:{name}";
        if (Kind is not (Webhook or PagerDuty or Log))
        {
            yield return $"{at}:Kind: '{Kind}' is not webhook, pagerduty or log";
        }

        if (Kind == Webhook && !Uri.TryCreate(Url, UriKind.Absolute, out _))
        {
            yield return $"{at}:Url: a webhook needs an absolute URL";
        }

        if (Kind == PagerDuty && string.IsNullOrWhiteSpace(Secret))
        {
            yield return $"{at}:Secret: PagerDuty needs the integration's routing key";
        }

        foreach (var matcher in Match)
        {
            if (LabelMatcher.Parse(matcher) is { Problem: { } problem })
            {
                yield return $"{at}:Match: {problem}";
            }
        }

        if (GroupWaitSeconds < 0 || GroupIntervalSeconds <= 0 || RepeatIntervalSeconds <= 0 || DeliveryBudgetSeconds <= 0)
        {
            yield return $"{at}: GroupWaitSeconds must not be negative; GroupIntervalSeconds, RepeatIntervalSeconds and DeliveryBudgetSeconds must be positive";
        }
    }
}
