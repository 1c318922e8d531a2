using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Adapters.Failover;

/// <summary>Reads and writes the <see cref="ServingPrimary"/> record in the control plane's store.</summary>
public sealed class ServingPrimaryStore(IObjectStore store)
{
    /// <summary>The record, or null when no failover ever happened.</summary>
    public Task<ServingPrimary?> ReadAsync(CancellationToken cancellationToken = default)
        => TryReadAsync<ServingPrimary>(ServingPrimary.Key, cancellationToken);

    /// <summary>The serving region and node: the record's, else the topology's primary (no failover yet).</summary>
    public async Task<(string Region, string Node)> ServingAsync(TopologyOptions topology, CancellationToken cancellationToken = default) =>
        ServingOf(await ReadAsync(cancellationToken), topology);

    /// <summary>What <see cref="ServingAsync"/> answers, for a caller that needs the record itself too (its epoch).</summary>
    public static (string Region, string Node) ServingOf(ServingPrimary? record, TopologyOptions topology) =>
        record is null ? topology.PrimaryByRole() : (record.Region, record.Node);

    public Task WriteAsync(ServingPrimary record, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(ServingPrimary.Key, record, cancellationToken);

    /// <summary>The hold on automatic failover, if one is set and not expired at <paramref name="now"/>.</summary>
    public async Task<FailoverHold?> ActiveHoldAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await TryReadAsync<FailoverHold>(FailoverHold.Key, cancellationToken) is { } hold && hold.Until > now ? hold : null;

    public Task HoldAsync(FailoverHold hold, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(FailoverHold.Key, hold, cancellationToken);

    /// <summary>Removes the hold <paramref name="by"/> set (another run's is left alone).</summary>
    public async Task ReleaseAsync(string by, CancellationToken cancellationToken = default)
    {
        if ((await TryReadAsync<FailoverHold>(FailoverHold.Key, cancellationToken))?.By == by)
        {
            await store.DeleteAsync(FailoverHold.Key, cancellationToken);
        }
    }

    /// <summary>The document, or null when there is none. A store that cannot be read throws: never guess.</summary>
    private async Task<T?> TryReadAsync<T>(string key, CancellationToken cancellationToken) where T : class =>
        await store.GetInfoAsync(key, cancellationToken) is null ? null : await store.ReadJsonAsync<T>(key, cancellationToken);
}
