namespace CausalEval.Dr.Core.Failover;

/// <summary>
/// The control plane's record of which database node serves writes, kept in the DR state (outside the
/// primary region). Each failover writes a new one with the next epoch. A node agent reads it before it
/// starts PostgreSQL writable: a node that is not the one named here, on an older timeline, starts fenced.
/// No record means the topology's primary region still serves (epoch 0).
/// </summary>
/// <param name="Epoch">How many times the serving primary has changed; failover instance ids derive from it.</param>
/// <param name="Timeline">The serving node's timeline after its promotion.</param>
/// <param name="Lsn">Its WAL position right after the promotion (where the new timeline starts).</param>
/// <param name="By">The run that made the change (instance id).</param>
public sealed record ServingPrimary(int Epoch, string Region, string Node, int? Timeline, string? Lsn, DateTimeOffset Since, string By)
{
    public const string Key = "dr-state/serving-primary.json";
}
