using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Steps.Region;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>
/// After a full simulation has switched home, the disaster-recovery region goes back to cold, as it was: its hosts stopped
/// and its data removed by the compute provider. Refused while the region serves (the DR state names its node).
/// </summary>
public sealed class ReturnRegionToCold(TopologyOptions topology, ServingPrimaryStore servingPrimary, ICompute compute)
    : DrActivity<ReturnRegionToCold, RegionInput, IReadOnlyList<string>>
{
    public override async Task<IReadOnlyList<string>> RunAsync(TaskActivityContext context, RegionInput input)
    {
        var (serving, node) = await servingPrimary.ServingAsync(topology);
        if (string.Equals(serving, input.Region, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"{input.Region} serves ({node} is the primary): switch home before returning it to cold");
        }

        return await compute.DecommissionRegionAsync(input.Region);
    }
}
