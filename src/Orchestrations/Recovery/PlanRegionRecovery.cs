using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Recovery;

public sealed record PlanRegionRecoveryInput(string Region);

/// <param name="Epoch">The DR state's epoch now: the region serves under the next one.</param>
/// <param name="ServingRegion">The region that served until now (lost, or the drill pretends so), and its node.</param>
public sealed record RegionRecoveryPlan(string Region, string Node, string Host, int Port, int Epoch, string ServingRegion, string ServingNode);

/// <summary>
/// The region to rebuild the service in, checked before anything is touched: it is in the DR topology, it is
/// not the one serving now, and it declares a database node (with its agent) and compute. Reads only.
/// </summary>
public sealed class PlanRegionRecovery(ServingPrimaryStore state, TopologyOptions topology) : DrActivity<PlanRegionRecovery, PlanRegionRecoveryInput,
    RegionRecoveryPlan>
{
    public override async Task<RegionRecoveryPlan> RunAsync(TaskActivityContext context, PlanRegionRecoveryInput input)
    {
        if (!topology.Regions.TryGetValue(input.Region, out var region))
        {
            throw new BadInputException($"region '{input.Region}' is not in the DR topology (regions: {string.Join(", ", topology.Regions.Keys)})");
        }

        var current = await state.ReadAsync();
        var (servingRegion, servingNode) = ServingPrimaryStore.ServingOf(current, topology);
        if (string.Equals(servingRegion, input.Region, StringComparison.OrdinalIgnoreCase))
        {
            throw new BadInputException($"region {input.Region} serves already: recover-region builds the service in another region");
        }

        var node = region.Database.Nodes.FirstOrDefault()
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{input.Region}:Database:Nodes: the region has no database node to " +
                $"recover onto");
        if (region.Compute is null)
        {
            throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{input.Region}:Compute: the region declares no compute to run the service " +
                $"on");
        }

        return new(input.Region, node.Name, node.Host, node.Port, current?.Epoch ?? 0, servingRegion, servingNode);
    }
}
