using System.Text.Json.Serialization;

namespace CausalEval.Dr.Core.Nodes;

[JsonConverter(typeof(KebabCaseEnumConverter<NodeRole>))]
public enum NodeRole
{
    /// <summary>Running and not in recovery: it takes writes (unless fenced, which stops it).</summary>
    Primary,

    /// <summary>Running in recovery (streaming from a primary, or fenced and read-only).</summary>
    Standby,

    /// <summary>Not running.</summary>
    Stopped,

    /// <summary>Running, but not answering (starting, in crash recovery, or hung).</summary>
    Unknown,
}

/// <summary>A standby as its primary sees it (pg_stat_replication).</summary>
public sealed record ReplicaStatus(string ApplicationName, string? ClientAddress, string State, string SyncState, long? ReplayLagBytes);

/// <summary>A standby's link to its primary (pg_stat_wal_receiver).</summary>
public sealed record UpstreamStatus(string Status, string? SenderHost, int? SenderPort);

/// <summary>
/// What a node agent reports about its PostgreSQL: role, timeline, WAL positions, replication and lag, and
/// whether it is fenced. LSNs are PostgreSQL's text form ("0/3000148").
/// </summary>
/// <param name="Writable">Running, not in recovery, not fenced.</param>
/// <param name="Fenced">The fence marker is in the data directory: the node never comes up writable until re-joined or rebuilt.</param>
/// <param name="CurrentLsn">Primary: where WAL is written (pg_current_wal_lsn).</param>
/// <param name="FlushLsn">Primary: how far WAL is durable (pg_current_wal_flush_lsn).</param>
/// <param name="ReceiveLsn">Standby: how far WAL was received.</param>
/// <param name="ReplayLsn">Standby: how far WAL was replayed.</param>
/// <param name="ReplayLagBytes">Standby: received but not yet replayed.</param>
/// <param name="ReplayDelaySeconds">Standby: age of the last replayed transaction (grows on an idle primary too).</param>
/// <param name="Error">Why the status is partial (the server did not answer), when it is.</param>
/// <param name="SystemIdentifier">pg_control's system identifier: every copy of one cluster shares it.</param>
public sealed record NodeStatus(
    string Node,
    NodeRole Role,
    bool Running,
    bool Writable,
    bool Fenced,
    int? Timeline,
    string? CurrentLsn,
    string? FlushLsn,
    string? ReceiveLsn,
    string? ReplayLsn,
    long? ReplayLagBytes,
    double? ReplayDelaySeconds,
    IReadOnlyList<ReplicaStatus> Replicas,
    UpstreamStatus? Upstream,
    string? Error = null,
    string? SystemIdentifier = null)
{
    /// <summary>A standby whose WAL receiver streams from <paramref name="host"/>:<paramref name="port"/> now.</summary>
    public bool StreamsFrom(string host, int port) =>
        Role == NodeRole.Standby && Upstream is { Status: "streaming" } up && up.SenderHost == host && up.SenderPort == port;
}

/// <summary>Make a node a standby of <see cref="PrimaryHost"/>:<see cref="PrimaryPort"/> (a re-join).</summary>
public sealed record DemoteRequest(string PrimaryHost, int PrimaryPort, string? ApplicationName = null);

/// <summary>Why a node was fenced, and when: kept in its data directory as the fence marker.</summary>
public sealed record FenceRequest(string? Reason = null, string? By = null);
