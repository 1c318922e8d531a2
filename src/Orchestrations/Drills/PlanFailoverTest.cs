using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>What a failover test breaks and expects: home (lost) and where the monitor should fail over to, with the tier's RTO.</summary>
public sealed record FailoverTestPlan(string Injector, string From, string FromNode, string To, string ToNode, double RtoSeconds, double RpoSeconds);

/// <summary>
/// Plans a failover test from the topology and the DR state: the primary region is lost, the secondary takes over. Refuses a
/// deployment that serves from elsewhere already (a failover not yet failed back): the drill must start from the normal roles.
/// </summary>
public sealed class PlanFailoverTest(TopologyOptions topology, ServingPrimaryStore servingPrimary, FaultInjectors injectors)
    : DrActivity<PlanFailoverTest, string, FailoverTestPlan>
{
    public override async Task<FailoverTestPlan> RunAsync(TaskActivityContext context, string drill)
    {
        var home = topology.RegionWith(RegionRole.Primary) ?? throw new DrConfigurationException("the topology has no primary region");
        var secondary = topology.RegionWith(RegionRole.Secondary) ?? throw new DrConfigurationException("the topology has no secondary region");
        var homeNode = home.Region.Database.Nodes.FirstOrDefault()?.Name ?? throw new DrConfigurationException($"{home.Name} has no database node");
        var standby = secondary.Region.Database.Nodes.FirstOrDefault()?.Name ?? throw new DrConfigurationException($"{secondary.Name} has no database node");
        if (await servingPrimary.ReadAsync() is { } serving && !string.Equals(serving.Node, homeNode, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"{serving.Node} serves (epoch {serving.Epoch}), not {homeNode}: fail back before a failover test");
        }

        return new FailoverTestPlan(injectors.Configured(), home.Name, homeNode, secondary.Name, standby,
            RecoveryObjectives.RtoFor(ServiceTier.Critical).TotalSeconds, RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds);
    }
}
