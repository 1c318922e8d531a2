namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>An orchestration instance as a host's client sees it.</summary>
/// <param name="Name">The orchestrator it runs: an id alone says nothing (a start under someone else's id is refused, but an instance is judged by what it
/// runs).</param>
/// <param name="Status">Durable Task's runtime status: Pending, Running, Completed, Failed, Terminated…</param>
public sealed record InstanceInfo(string Id, string Name, string Status, DateTime CreatedAt)
{
    public bool IsActive => Status is "Pending" or "Running" or "Suspended" or "ContinuedAsNew";
}

/// <summary>
/// Starts and finds orchestration instances: what a singleton start needs. Each host provides it (the local
/// runtime over its task hub, Functions over its durable client), so the same start logic runs in both.
/// </summary>
public interface IInstanceStarter
{
    Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default);

    /// <summary>The instances running, pending or suspended now, filtered by the backend (not the whole history): what a step asks each
    /// round ("is a drill running?") costs the same with ten thousand finished instances.</summary>
    Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Schedules the instance unless one with that id exists (in any state); false when it existed.</summary>
    Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default);

    /// <summary>Raises an event to a running instance (a drill closing the incident its failover opened).</summary>
    Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default);
}

/// <summary>For hosts that cannot start instances from an activity.</summary>
public sealed class NoInstanceStarter : IInstanceStarter
{
    public Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default) => throw Missing();

    public Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default) => throw Missing();

    public Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default)
        => throw Missing();

    public Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default) => throw Missing();

    private static Core.Errors.DrConfigurationException Missing()
        => new("this host cannot start orchestration instances from a step (no durable client wired)");
}
