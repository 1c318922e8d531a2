using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Orchestrations.Steps.Runs;

/// <summary>
/// Reads an orchestration instance's history from the task hub, for run records with the engine's own step
/// times. Each host provides it (the local runtime from its task hub; Functions from its durable client).
/// </summary>
public interface IInstanceHistory
{
    /// <summary>The events of the instance's current execution, or null when this host cannot read them.</summary>
    Task<IReadOnlyList<HistoryEntry>?> ReadAsync(string instanceId, CancellationToken cancellationToken = default);
}

/// <summary>For hosts that cannot read history: run records then keep the orchestration's clock.</summary>
public sealed class NoInstanceHistory : IInstanceHistory
{
    public Task<IReadOnlyList<HistoryEntry>?> ReadAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<HistoryEntry>?>(null);
}

/// <summary>History events of the Durable Task engine (both hosts run it) as history entries.</summary>
public static class HistoryEntries
{
    public static IReadOnlyList<HistoryEntry> From(IEnumerable<DurableTask.Core.History.HistoryEvent> events) =>
        events.Select(e => new HistoryEntry(e.EventType.ToString(), new DateTimeOffset(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)))).ToList();
}
