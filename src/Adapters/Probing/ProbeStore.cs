using System.Text.Json;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core;

namespace CausalEval.Dr.Adapters.Probing;

/// <summary>What the drill asks of the prober: write at <paramref name="Rate"/> for <paramref name="Drill"/> until stopped.</summary>
public sealed record ProbeRequest(string Drill, double Rate, DateTimeOffset RequestedAt, DateTimeOffset? StoppedAt = null)
{
    public bool Active => StoppedAt is null;
}

/// <summary>Which prober process holds the probe (several control-plane instances may run one each; one writes).</summary>
public sealed record ProberLease(string Owner, DateTimeOffset Until);

/// <summary>
/// The prober's state in the control plane's object store: the request (one drill at a time), the lease, and the
/// ledger as one object per chunk under <c>drills/{id}/prober/</c>. Everything is in the store, so a prober that
/// restarts picks the request up again and the ledger outlives the process that wrote it.
/// </summary>
public sealed class ProbeStore(IObjectStore store)
{
    public const string RequestKey = "drills/prober/request.json";
    public const string LeaseKey = "drills/prober/lease.json";

    public static string LedgerPrefix(string drill) => $"drills/{drill}/prober/";

    public async Task<ProbeRequest?> RequestAsync(CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(RequestKey, cancellationToken) is null ? null : await store.ReadJsonAsync<ProbeRequest>(RequestKey, cancellationToken);

    public Task PutRequestAsync(ProbeRequest request, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(RequestKey, request, cancellationToken);

    public async Task<ProberLease?> LeaseAsync(CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(LeaseKey, cancellationToken) is null ? null : await store.ReadJsonAsync<ProberLease>(LeaseKey, cancellationToken);

    public Task PutLeaseAsync(ProberLease lease, CancellationToken cancellationToken = default) => store.PutJsonAsync(LeaseKey, lease, cancellationToken);

    public Task WriteChunkAsync(ProbeChunk chunk, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync($"{LedgerPrefix(chunk.Drill)}{chunk.From.UtcDateTime:yyyyMMddTHHmmssfff}-{chunk.Session}.json", chunk, cancellationToken);

    public async Task<ProbeLedger> ReadLedgerAsync(string drill, CancellationToken cancellationToken = default)
    {
        var chunks = new List<ProbeChunk>();
        foreach (var item in await store.ListAsync(LedgerPrefix(drill), cancellationToken))
        {
            chunks.Add(JsonSerializer.Deserialize<ProbeChunk>(await store.ReadBytesAsync(item.Key, cancellationToken), DrJson.Options)!);
        }

        return new ProbeLedger(chunks);
    }
}
