using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>
/// Puts a region's services back in service (the reverse of <see cref="DrainRegion"/>): the target of a
/// switchover that was drained by an earlier one, or an aborted switchover's old region. Idempotent.
/// </summary>
public sealed class UndrainRegion(TopologyOptions topology, ICompute compute) : DrActivity<UndrainRegion, RegionInput, IReadOnlyList<InstanceDrained>>
{
    public override Task<IReadOnlyList<InstanceDrained>> RunAsync(TaskActivityContext context, RegionInput input) =>
        RegionServices.EachAsync(topology, input.Region, service => compute.UndrainAsync(input.Region, service));
}
