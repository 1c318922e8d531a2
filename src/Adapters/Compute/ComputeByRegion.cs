using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Adapters.Compute;

/// <summary>
/// The compute of each region as the DR topology declares it: "kubernetes" regions through their cluster's API
/// (<see cref="KubernetesCompute"/>), the others through the host's own (the lab's processes, or none). One client
/// per region, made at its first use.
/// </summary>
public sealed class ComputeByRegion(TopologyOptions topology, IConfiguration configuration, ICompute hostCompute) : ICompute
{
    /// <summary>The key under which a host registers its own compute (the lab's).</summary>
    public const string HostDefault = "host";

    private readonly Dictionary<string, ICompute> byRegion = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<InstanceDrained>> DrainAsync(string region, string service, CancellationToken cancellationToken = default) =>
        For(region).DrainAsync(region, service, cancellationToken);

    public Task<IReadOnlyList<InstanceDrained>> UndrainAsync(string region, string service, CancellationToken cancellationToken = default) =>
        For(region).UndrainAsync(region, service, cancellationToken);

    public Task<IReadOnlyList<string>> RunningAsync(string region, string service, CancellationToken cancellationToken = default) =>
        For(region).RunningAsync(region, service, cancellationToken);

    public Task<IReadOnlyList<string>> StopServiceAsync(string region, string service, CancellationToken cancellationToken = default) =>
        For(region).StopServiceAsync(region, service, cancellationToken);

    public Task<ServiceScaled> ScaleAsync(string region, string service, int replicas, CancellationToken cancellationToken = default) =>
        For(region).ScaleAsync(region, service, replicas, cancellationToken);

    public Task<RegionProvisioned> ProvisionRegionAsync(string region, CancellationToken cancellationToken = default) =>
        For(region).ProvisionRegionAsync(region, cancellationToken);

    public Task<IReadOnlyList<string>> DecommissionRegionAsync(string region, CancellationToken cancellationToken = default) =>
        For(region).DecommissionRegionAsync(region, cancellationToken);

    public Task<InstanceRestarted> RestartAsync(string region, string service, string address, CancellationToken cancellationToken = default) =>
        For(region).RestartAsync(region, service, address, cancellationToken);

    public Task<string?> FenceDatabaseAsync(string region, CancellationToken cancellationToken = default) =>
        For(region).FenceDatabaseAsync(region, cancellationToken);

    private ICompute For(string region)
    {
        if (!topology.Regions.TryGetValue(region, out var options) || options.Compute is not { } compute
            || !string.Equals(compute.Provider, "kubernetes", StringComparison.OrdinalIgnoreCase))
        {
            return hostCompute;
        }

        lock (byRegion)
        {
            if (!byRegion.TryGetValue(region, out var kubernetes))
            {
                var cluster = compute.Kubernetes
                    ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{region}:Compute:Kubernetes: missing");
                var token = configuration[$"Secrets:{cluster.TokenSecret}"]
                    ?? throw new DrConfigurationException($"Secrets:{cluster.TokenSecret}: the Kubernetes token of region {region} is not set");
                byRegion[region] = kubernetes = new KubernetesCompute(KubernetesCompute.CreateClient(cluster, token), region, compute);
            }

            return kubernetes;
        }
    }
}
