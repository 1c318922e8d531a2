using CausalEval.Dr.Orchestrations.Http;
using DurableTask.Core;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>History JSON as the local task hub stores it (the Azure Storage History table): the one read the API, run records and the durable client
/// share.</summary>
public sealed class TaskHubHistoryJson(LocalTaskHub hub) : IInstanceHistoryJson
{
    public async Task<string?> ReadAsync(string instanceId, CancellationToken cancellationToken = default) =>
        await hub.Client.GetOrchestrationStateAsync(instanceId) is { } state
            ? await hub.Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance)
            : null;
}
