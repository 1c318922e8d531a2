using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>
/// The target region's instances of the public service that run already (its normal capacity): traffic moves
/// to them as soon as they are warm, while the scale-out to failover capacity goes on beside it.
/// </summary>
public sealed class FindRunningInstances(TopologyOptions topology, ICompute compute) : DrActivity<FindRunningInstances, RegionInput, IReadOnlyList<string>>
{
    public override async Task<IReadOnlyList<string>> RunAsync(TaskActivityContext context, RegionInput input)
    {
        if (topology.RecordOf(input.Region, topology.Api.Record) is not { } declared)
        {
            return [];
        }

        var running = topology.Regions[input.Region].Compute is null ? declared : await compute.RunningAsync(input.Region, topology.Api.Record);
        return declared.Intersect(running).Order().ToList();
    }
}
