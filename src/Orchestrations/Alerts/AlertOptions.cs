namespace CausalEval.Dr.Orchestrations.Alerts;

/// <summary>The alert evaluator (section "Alerts"; rules under Alerts:Rules, receivers under Alerts:Receivers).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>`dr serve` and the Functions app keep the evaluator running when set.</summary>
    public bool Enabled { get; set; }

    /// <summary>Seconds between rounds (a delivery waiting for its retry is tried at its time, if sooner).</summary>
    public double EvaluateEverySeconds { get; set; } = 30;

    /// <summary>The API's public address, for the links in notifications (generatorURL, externalURL).</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>Each rule's settings by its name (<see cref="AlertRuleOptions.From"/> reads them, defaults for the rest).</summary>
    public Dictionary<string, AlertRuleOptions> Rules { get; set; } = [];

    /// <summary>The receivers by name (<see cref="Core.Alerts.AlertReceiverOptions.From"/> reads them); none: alerts are only shown.</summary>
    public Dictionary<string, Core.Alerts.AlertReceiverOptions> Receivers { get; set; } = [];

    public IEnumerable<string> Problems()
    {
        if (EvaluateEverySeconds is < 1 or > 3600)
        {
            yield return $"{Section}:EvaluateEverySeconds: {EvaluateEverySeconds} is outside 1..3600";
        }

        if (ExternalUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            yield return $"{Section}:ExternalUrl: '{url}' is not an absolute URL";
        }

        foreach (var (name, rule) in Rules)
        {
            if (!AlertRules.Names.Contains(name))
            {
                yield return $"{Section}:Rules:{name}: no such rule (the rules: {string.Join(", ", AlertRules.Names)})";
            }

            foreach (var problem in rule.Problems(name))
            {
                yield return problem;
            }
        }

        foreach (var (name, receiver) in Receivers)
        {
            foreach (var problem in receiver.Problems(name))
            {
                yield return problem;
            }
        }
    }
}
