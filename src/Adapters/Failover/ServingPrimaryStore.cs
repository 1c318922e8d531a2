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
}
