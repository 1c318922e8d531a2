namespace CausalEval.Dr.Orchestrations.Alerts;

/// <summary>
/// One rule's settings (<c>Alerts:Rules:{name}</c>); anything left out is the rule's default, the seed's value where
/// the seed gives one.
/// </summary>
public sealed class AlertRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The rate under which the rule fires (backup_failure, dr_test_failure).</summary>
    public double? Threshold { get; set; }

    /// <summary>How far back the rule looks at run records and drills.</summary>
    public double? WindowHours { get; set; }

    public string? Severity { get; set; }

    /// <summary>rto_violation, rpo_violation, wal_archive_lag: the objective to hold against instead of the seed's tier.</summary>
    public double? TargetSeconds { get; set; }

    /// <summary>backup_stale: slack after the schedule's period before the newest backup counts as too old.</summary>
    public double? GraceHours { get; set; }

    public IEnumerable<string> Problems(string name)
    {
        if (Threshold is < 0 or > 1)
        {
            yield return $"Alerts:Rules:{name}:Threshold: {Threshold} is outside 0..1";
        }

        if (WindowHours is <= 0 or > 24 * 400)
        {
            yield return $"Alerts:Rules:{name}:WindowHours: {WindowHours} is outside (0, 9600]";
        }

        if (TargetSeconds is <= 0)
        {
            yield return $"Alerts:Rules:{name}:TargetSeconds: {TargetSeconds} must be positive";
        }

        if (GraceHours is < 0)
        {
            yield return $"Alerts:Rules:{name}:GraceHours: {GraceHours} must not be negative";
        }

        if (Severity is { } severity && !AlertRules.Severities.Contains(severity))
        {
            yield return $"Alerts:Rules:{name}:Severity: '{severity}' is not one of {string.Join(", ", AlertRules.Severities)}";
        }
    }
}
