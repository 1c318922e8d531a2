using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Failover;

namespace CausalEval.Dr.Adapters.Failover;

/// <summary>Reads and writes the <see cref="ServingPrimary"/> record in the control plane's store.</summary>
public sealed class ServingPrimaryStore(IObjectStore store)
{
    /// <summary>The record, or null when no failover ever happened. A store that cannot be read throws: never guess.</summary>
    public async Task<ServingPrimary?> ReadAsync(CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(ServingPrimary.Key, cancellationToken) is null
            ? null
            : await store.ReadJsonAsync<ServingPrimary>(ServingPrimary.Key, cancellationToken);

    public Task WriteAsync(ServingPrimary record, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(ServingPrimary.Key, record, cancellationToken);
}
