using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Steps.Runs;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>Instance history from the local task hub (the Azure Storage History table), for run records.</summary>
public sealed class TaskHubInstanceHistory(LocalTaskHub hub) : IInstanceHistory
{
    public async Task<IReadOnlyList<HistoryEntry>?> ReadAsync(string instanceId, CancellationToken cancellationToken = default) =>
        await new TaskHubHistoryJson(hub).ReadAsync(instanceId, cancellationToken) is { } json ? Parse(json) : null;

    /// <summary>DTFx's history JSON (no type names: the event type is a number or a name) as history entries.</summary>
    public static IReadOnlyList<HistoryEntry> Parse(string historyJson) =>
        (JsonNode.Parse(historyJson)?.AsArray() ?? []).OfType<JsonObject>()
            .Select(e
                => new HistoryEntry(InstanceHistoryShape.EventTypeOf(e).ToString(), new DateTimeOffset(e["Timestamp"]!.GetValue<DateTime>().ToUniversalTime())))
            .ToList();
}
