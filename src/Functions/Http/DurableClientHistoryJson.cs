using CausalEval.Dr.Orchestrations.Http;
using Microsoft.DurableTask.Client;
using Newtonsoft.Json;

namespace CausalEval.Dr.Functions.Http;

/// <summary>
/// The Functions client returns the engine's typed history events; serialized with the engine's own
/// serializer they are the JSON the local task hub stores, which the one history shaper reads.
/// </summary>
public sealed class DurableClientHistoryJson(DurableTaskClient client) : IInstanceHistoryJson
{
    public async Task<string?> ReadAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        try
        {
            return JsonConvert.SerializeObject(await client.GetOrchestrationHistoryAsync(instanceId, cancellationToken));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
