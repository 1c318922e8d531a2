using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Activities.Failover;

/// <summary>
/// Takes the old primary region's services out of service (lab: each instance answers 503), so nothing there
/// takes new work while the database moves. Instances that do not answer are gone with their region and
/// are reported so. Idempotent.
/// </summary>
public sealed class DrainRegion(TopologyOptions topology, ICompute compute) : TaskActivity<RegionInput, IReadOnlyList<InstanceDrained>>
{
    public override async Task<IReadOnlyList<InstanceDrained>> RunAsync(TaskActivityContext context, RegionInput input)
    {
        if (!topology.Regions.TryGetValue(input.Region, out var region) || region.Compute is not { } services)
        {
            return []; // no compute declared for the region: nothing of ours runs there
        }

        var drained = new List<InstanceDrained>();
        foreach (var service in services.Services.Keys)
        {
            drained.AddRange(await compute.DrainAsync(input.Region, service));
        }

        return drained;
    }
}
