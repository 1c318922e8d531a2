using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>
/// Brings every service of a region that no longer serves back to its normal capacity (a failover scaled it out; once the
/// service is home again the extra instances only cost). Idempotent; a region without compute is left alone.
/// </summary>
public sealed class ScaleRegionToNormal(TopologyOptions topology, ICompute compute) : DrActivity<ScaleRegionToNormal, RegionInput, IReadOnlyList<ServiceScaled>>
{
    public override Task<IReadOnlyList<ServiceScaled>> RunAsync(TaskActivityContext context, RegionInput input) =>
        ScaleRegion.ToCapacityAsync(topology, compute, input.Region, scale => scale.Normal);
}
