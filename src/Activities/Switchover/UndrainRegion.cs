using CausalEval.Dr.Activities.Failover;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Activities.Switchover;

/// <summary>
/// Puts a region's services back in service (the reverse of <see cref="DrainRegion"/>): the target of a
/// switchover that was drained by an earlier one, or an aborted switchover's old region. Idempotent.
/// </summary>
public sealed class UndrainRegion(TopologyOptions topology, ICompute compute) : TaskActivity<RegionInput, IReadOnlyList<InstanceDrained>>
{
    public override async Task<IReadOnlyList<InstanceDrained>> RunAsync(TaskActivityContext context, RegionInput input)
    {
        if (!topology.Regions.TryGetValue(input.Region, out var region) || region.Compute is not { } services)
        {
            return [];
        }

        var undrained = new List<InstanceDrained>();
        foreach (var service in services.Services.Keys)
        {
            undrained.AddRange(await compute.UndrainAsync(input.Region, service));
        }

        return undrained;
    }
}
