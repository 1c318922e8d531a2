using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>
/// Takes the old primary region's services out of service (lab: each instance answers 503), so nothing there
/// takes new work while the database moves. Instances that do not answer are gone with their region and
/// are reported so. Idempotent.
/// </summary>
public sealed class DrainRegion(TopologyOptions topology, ICompute compute) : DrActivity<DrainRegion, RegionInput, IReadOnlyList<InstanceDrained>>
{
    public override Task<IReadOnlyList<InstanceDrained>> RunAsync(TaskActivityContext context, RegionInput input) =>
        RegionServices.EachAsync(topology, input.Region, service => compute.DrainAsync(input.Region, service));
}
