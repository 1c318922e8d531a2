namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>
/// An instance's history as the engine's own JSON (what <see cref="Instances.InstanceHistoryShape"/> reads).
/// Each host reads it its way: the local task hub stores it as JSON; the Functions client returns typed events.
/// </summary>
public interface IInstanceHistoryJson
{
    /// <summary>Null when the instance is unknown, or this host cannot read history.</summary>
    Task<string?> ReadAsync(string instanceId, CancellationToken cancellationToken = default);
}
