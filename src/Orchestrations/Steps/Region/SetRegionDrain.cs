using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <param name="Region">The region whose declared services are taken out of service or put back.</param>
/// <param name="Drained">True: out of service (lab: each instance answers 503); false: back in service.</param>
public sealed record RegionDrain(string Region, bool Drained)
{
    /// <summary>Nothing in the region takes new work (the old primary region while the database moves).</summary>
    public static RegionDrain On(string region) => new(region, true);

    /// <summary>The region takes work again (a switchover's target drained by an earlier one, an aborted switchover's old region).</summary>
    public static RegionDrain Off(string region) => new(region, false);
}

/// <summary>
/// Drains or undrains every declared service of a region. Instances that do not answer are gone with their
/// region and are reported so; a region with no compute has nothing of ours running. Idempotent.
/// </summary>
public sealed class SetRegionDrain(TopologyOptions topology, ICompute compute) : DrActivity<SetRegionDrain, RegionDrain, IReadOnlyList<InstanceDrained>>
{
    public override async Task<IReadOnlyList<InstanceDrained>> RunAsync(TaskActivityContext context, RegionDrain input)
    {
        if (!topology.Regions.TryGetValue(input.Region, out var options) || options.Compute is not { } regionCompute)
        {
            return [];
        }

        var instances = new List<InstanceDrained>();
        foreach (var service in regionCompute.Services.Keys)
        {
            instances.AddRange(input.Drained
                ? await compute.DrainAsync(input.Region, service)
                : await compute.UndrainAsync(input.Region, service));
        }

        return instances;
    }
}
