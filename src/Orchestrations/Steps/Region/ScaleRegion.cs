using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>
/// Brings every service of the new serving region to its failover capacity (seed: api 6, worker 4; the lab:
/// its workload instances) and makes them serve. Returns once all listen. Idempotent.
/// </summary>
public sealed class ScaleRegion(TopologyOptions topology, ICompute compute) : DrActivity<ScaleRegion, RegionInput, IReadOnlyList<ServiceScaled>>
{
    public override Task<IReadOnlyList<ServiceScaled>> RunAsync(TaskActivityContext context, RegionInput input) =>
        ToCapacityAsync(topology, compute, input.Region, scale => scale.Failover);

    /// <summary>Every service the topology declares for <paramref name="region"/> at the replicas <paramref name="replicas"/> picks (0: stopped).</summary>
    internal static async Task<IReadOnlyList<ServiceScaled>> ToCapacityAsync(TopologyOptions topology, ICompute compute, string region,
        Func<ServiceScaleOptions, int> replicas)
    {
        if (!topology.Regions.TryGetValue(region, out var options) || options.Compute is not { } services)
        {
            return [];
        }

        var scaled = new List<ServiceScaled>();
        foreach (var (service, scale) in services.Services)
        {
            var count = replicas(scale);
            scaled.Add(count == 0
                ? new ServiceScaled(region, service, 0, 0, await compute.StopServiceAsync(region, service))
                : await compute.ScaleAsync(region, service, count));
        }

        return scaled;
    }
}
