using Microsoft.Extensions.Configuration;

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

    /// <summary>The settings of the rules configured, by name (any case); a rule not here runs with its defaults.</summary>
    public Dictionary<string, AlertRuleOptions> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The receivers by name; none: alerts are only shown.</summary>
    public Dictionary<string, Core.Alerts.AlertReceiverOptions> Receivers { get; set; } = [];

    /// <summary>The section as configured (the CLI reads it without the hosts' options).</summary>
    public static AlertOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<AlertOptions>() ?? new AlertOptions();

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
            if (!AlertRules.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
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
