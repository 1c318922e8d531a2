using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>The layout a full simulation breaks and rebuilds: home and secondary lost, the cold DR region recovered into.</summary>
public sealed record FullDrPlan(string Injector, string Home, string HomeNode, string Secondary, string SecondaryNode, string Dr, string DrNode,
    double RtoSeconds, double RpoSeconds);

/// <summary>
/// Plans a full DR simulation from the topology and the DR state: both live regions are lost and the cold disaster-recovery
/// region takes over. Refuses a deployment not in its normal roles (a failover not failed back) or without a DR region.
/// </summary>
public sealed class PlanFullDrSimulation(TopologyOptions topology, ServingPrimaryStore servingPrimary, FaultInjectors injectors)
    : DrActivity<PlanFullDrSimulation, string, FullDrPlan>
{
    public override async Task<FullDrPlan> RunAsync(TaskActivityContext context, string drill)
    {
        (string Name, string Node) Of(RegionRole role)
        {
            var region = topology.RegionWith(role) ?? throw new DrConfigurationException($"the topology has no {RegionRoles.NameOf(role)} region");
            return (region.Name, region.Region.Database.Nodes.FirstOrDefault()?.Name
                ?? throw new DrConfigurationException($"{region.Name} has no database node"));
        }

        var (home, homeNode) = Of(RegionRole.Primary);
        var (secondary, secondaryNode) = Of(RegionRole.Secondary);
        var (dr, drNode) = Of(RegionRole.DisasterRecovery);
        if (await servingPrimary.ReadAsync() is { } serving && !string.Equals(serving.Node, homeNode, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"{serving.Node} serves (epoch {serving.Epoch}), not {homeNode}: fail back before a full DR simulation");
        }

        return new FullDrPlan(injectors.Configured(), home, homeNode, secondary, secondaryNode, dr, drNode,
            RecoveryObjectives.RtoFor(ServiceTier.FullSystem).TotalSeconds, RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds);
    }
}
