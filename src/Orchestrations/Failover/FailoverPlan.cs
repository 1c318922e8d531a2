namespace CausalEval.Dr.Orchestrations.Failover;

/// <summary>
/// What a failover will do, decided once by <see cref="AssessFailover"/> and carried through the run: from
/// which region and node, to which, at which epoch of the DR state, and how far behind the standby was.
/// </summary>
/// <param name="Epoch">The DR state's epoch before this failover; the failover writes Epoch + 1.</param>
/// <param name="LastPrimaryLsn">The primary's last flushed WAL position anyone saw (the monitor's last good round), if known.</param>
/// <param name="LagBytes">WAL the standby had not received of <paramref name="LastPrimaryLsn"/> (0 when it had all of it).</param>
/// <param name="ReplayDelaySeconds">How old the standby's last replayed transaction was (idle primaries make this grow too).</param>
public sealed record FailoverPlan(
    string From,
    string FromNode,
    string To,
    string ToNode,
    int Epoch,
    int? StandbyTimeline,
    string? StandbyReceiveLsn,
    string? StandbyReplayLsn,
    string? LastPrimaryLsn,
    long? LagBytes,
    double? ReplayDelaySeconds,
    double RpoSeconds,
    bool Forced,
    bool StandbyAlreadyPrimary);
