namespace CausalEval.Dr.Orchestrations.Monitor;

/// <summary>The health monitor (section "Monitor"). The seed checks every 30 s; the lab runs at 1 s.</summary>
public sealed class MonitorOptions
{
    public const string Section = "Monitor";

    /// <summary>`dr serve` (and the Functions app) keep the monitor running when set.</summary>
    public bool Enabled { get; set; }

    public double IntervalSeconds { get; set; } = 30;

    /// <summary>Consecutive failed rounds (from both vantage points) before a failover starts.</summary>
    public int FailedRoundsToAct { get; set; } = 3;

    /// <summary>How long each probe of a round may take.</summary>
    public int ProbeTimeoutMs { get; set; } = 5000;

    /// <summary>Off: the monitor records failed rounds but never starts a failover (a person decides).</summary>
    public bool AutomaticFailover { get; set; } = true;

    public IEnumerable<string> Problems()
    {
        if (IntervalSeconds is < 1 or > 3600)
        {
            yield return $"{Section}:IntervalSeconds: {IntervalSeconds} is outside 1..3600 (durable timers are not precise below a second)";
        }

        if (FailedRoundsToAct is < 1 or > 100)
        {
            yield return $"{Section}:FailedRoundsToAct: {FailedRoundsToAct} is outside 1..100";
        }

        if (ProbeTimeoutMs is < 50 or > 60000)
        {
            yield return $"{Section}:ProbeTimeoutMs: {ProbeTimeoutMs} is outside 50..60000";
        }
    }
}
