using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>Instance history through the Functions durable client; null where the backend does not serve history.</summary>
internal sealed class DurableClientHistory(DurableTaskClient client) : IInstanceHistory
{
    public async Task<IReadOnlyList<HistoryEntry>?> ReadAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        try
        {
            return HistoryEntries.From(await client.GetOrchestrationHistoryAsync(instanceId, cancellationToken));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
