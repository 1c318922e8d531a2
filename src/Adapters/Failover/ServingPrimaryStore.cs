using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Adapters.Failover;

/// <summary>Reads and writes the <see cref="ServingPrimary"/> record in the control plane's store.</summary>
public sealed class ServingPrimaryStore(IObjectStore store)
{
    /// <summary>The record, or null when no failover ever happened. A store that cannot be read throws: never guess.</summary>
    public async Task<ServingPrimary?> ReadAsync(CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(ServingPrimary.Key, cancellationToken) is null
            ? null
            : await store.ReadJsonAsync<ServingPrimary>(ServingPrimary.Key, cancellationToken);

    /// <summary>The serving region and node: the record's, else the topology's primary (no failover yet).</summary>
    public async Task<(string Region, string Node)> ServingAsync(TopologyOptions topology, CancellationToken cancellationToken = default) =>
        await ReadAsync(cancellationToken) is { } serving ? (serving.Region, serving.Node) : topology.PrimaryByRole();

    public Task WriteAsync(ServingPrimary record, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(ServingPrimary.Key, record, cancellationToken);

    /// <summary>The hold on automatic failover, if one is set and not expired at <paramref name="now"/>.</summary>
    public async Task<FailoverHold?> ActiveHoldAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(FailoverHold.Key, cancellationToken) is not null
        && await store.ReadJsonAsync<FailoverHold>(FailoverHold.Key, cancellationToken) is { } hold && hold.Until > now
            ? hold
            : null;

    public Task HoldAsync(FailoverHold hold, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(FailoverHold.Key, hold, cancellationToken);

    /// <summary>Removes the hold <paramref name="by"/> set (another run's is left alone).</summary>
    public async Task ReleaseAsync(string by, CancellationToken cancellationToken = default)
    {
        if (await store.GetInfoAsync(FailoverHold.Key, cancellationToken) is not null
            && (await store.ReadJsonAsync<FailoverHold>(FailoverHold.Key, cancellationToken)).By == by)
        {
            await store.DeleteAsync(FailoverHold.Key, cancellationToken);
        }
    }
}
