namespace CausalEval.Dr.Adapters.Compute;

/// <param name="Reachable">False when the instance did not answer (its region is gone): nothing to drain there.</param>
public sealed record InstanceDrained(string Address, bool Reachable, string Detail);

/// <param name="Detail">What was done ("pid 4120 → 4388").</param>
public sealed record InstanceRestarted(string Region, string Service, string Address, string Detail);

/// <param name="Started">What this call started (nothing on a rerun that finds the region's hosts running).</param>
public sealed record RegionProvisioned(string Region, IReadOnlyList<string> Started, IReadOnlyList<string> Running);

/// <param name="Started">Instances this call started (0 on a rerun that finds them running).</param>
public sealed record ServiceScaled(string Region, string Service, int Replicas, int Started, IReadOnlyList<string> Addresses);

/// <summary>
/// The compute a region's services run on: the lab's workload processes, or Kubernetes deployments. Each
/// call is idempotent: it brings the region to the asked state and reports it.
/// </summary>
public interface ICompute
{
    /// <summary>Takes the region's instances of <paramref name="service"/> out of service (they answer 503).</summary>
    Task<IReadOnlyList<InstanceDrained>> DrainAsync(string region, string service, CancellationToken cancellationToken = default);

    /// <summary>Puts the region's instances of <paramref name="service"/> back in service (the reverse of a drain).</summary>
    Task<IReadOnlyList<InstanceDrained>> UndrainAsync(string region, string service, CancellationToken cancellationToken = default);

    /// <summary>Addresses of the region's instances of <paramref name="service"/> that run now.</summary>
    Task<IReadOnlyList<string>> RunningAsync(string region, string service, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops every instance of <paramref name="service"/> in the region (a drill's region loss on real hosts); returns the
    /// addresses it stopped (none on a rerun). <see cref="ScaleAsync"/> brings them back.
    /// </summary>
    Task<IReadOnlyList<string>> StopServiceAsync(string region, string service, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="replicas"/> instances of <paramref name="service"/> in the region; returns once all listen.</summary>
    Task<ServiceScaled> ScaleAsync(string region, string service, int replicas, CancellationToken cancellationToken = default);

    /// <summary>
    /// Boots a cold region's hosts: its database host with its node agent (no PostgreSQL yet: that comes from a
    /// recovery) and its cache. Idempotent: what runs already is kept.
    /// </summary>
    Task<RegionProvisioned> ProvisionRegionAsync(string region, CancellationToken cancellationToken = default);

    /// <summary>
    /// The reverse of <see cref="ProvisionRegionAsync"/>: a region that no longer serves goes back to cold (its services,
    /// cache, node agent and database host stopped, the database host's data removed: a cold region holds nothing). Returns
    /// what was stopped (nothing on a rerun). The caller makes sure the region serves nothing.
    /// </summary>
    Task<IReadOnlyList<string>> DecommissionRegionAsync(string region, CancellationToken cancellationToken = default) =>
        throw new Core.Errors.DrConfigurationException($"Topology:Regions:{region}:Compute: this provider cannot return a region to cold (its hosts " +
            "are deprovisioned outside dr)");

    /// <summary>Takes one instance out of service, stops it, starts it again; returns once it listens (healthy or not: the caller checks).</summary>
    Task<InstanceRestarted> RestartAsync(string region, string service, string address, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fences the region's database by the platform, for when its node agent cannot be reached (Kubernetes: its
    /// StatefulSet scaled to 0). Returns what was done, or null when the platform has no such hook.
    /// </summary>
    Task<string?> FenceDatabaseAsync(string region, CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);
}

/// <summary>For a host with no compute provider wired: every call names what is missing.</summary>
public sealed class NoCompute : ICompute
{
    public Task<IReadOnlyList<InstanceDrained>> DrainAsync(string region, string service, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    public Task<IReadOnlyList<InstanceDrained>> UndrainAsync(string region, string service, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    public Task<ServiceScaled> ScaleAsync(string region, string service, int replicas, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    public Task<IReadOnlyList<string>> RunningAsync(string region, string service, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    public Task<IReadOnlyList<string>> StopServiceAsync(string region, string service, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    public Task<InstanceRestarted> RestartAsync(string region, string service, string address, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    public Task<RegionProvisioned> ProvisionRegionAsync(string region, CancellationToken cancellationToken = default) =>
        throw Missing(region);

    private static Core.Errors.DrConfigurationException Missing(string region) =>
        new($"Topology:Regions:{region}:Compute: this host has no compute provider for the region (the lab's is wired by `dr serve` when a lab is up; set " +
            $"Provider kubernetes with its Kubernetes section for a cluster)");
}
