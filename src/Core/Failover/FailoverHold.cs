namespace CausalEval.Dr.Core.Failover;

/// <summary>
/// Planned work on the serving primary (a recovered cluster being swapped in) that stops it for a moment: while
/// the hold lasts, the health monitor does not count a failed round as a failure. Kept in the DR state beside
/// the serving-primary record; it expires by itself, so a run that dies cannot leave the monitor blind.
/// </summary>
public sealed record FailoverHold(string By, string Reason, DateTimeOffset Until)
{
    public const string Key = "dr-state/failover-hold.json";
}
