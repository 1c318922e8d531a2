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
    public override async Task<IReadOnlyList<ServiceScaled>> RunAsync(TaskActivityContext context, RegionInput input)
    {
        if (!topology.Regions.TryGetValue(input.Region, out var region) || region.Compute is not { } services)
        {
            return [];
        }

        var scaled = new List<ServiceScaled>();
        foreach (var (service, scale) in services.Services)
        {
            scaled.Add(await compute.ScaleAsync(input.Region, service, scale.Failover));
        }

        return scaled;
    }
}
