using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Reprotect;

/// <param name="Region">The region whose node becomes a standby again; default: the topology's primary region when it no longer serves.</param>
public sealed record PlanReprotectInput(string? Region);

/// <param name="Protected">The node already streams from the serving primary, unfenced: nothing to do.</param>
/// <param name="Before">The node as it was found (role, fenced, timeline).</param>
public sealed record ReprotectPlan(string Region, string Node, string Primary, string PrimaryHost, int PrimaryPort, bool Protected, string Before);

/// <summary>
/// Which node to re-protect and from which primary: the serving primary from the DR state; the node of the named
/// region (default: home, the topology's primary region, when another serves). Refused when that node is the
/// serving primary, when its agent does not answer (revive the region first) and when it is writable (two
/// primaries: it must be fenced before anything else). Reads only.
/// </summary>
public sealed class PlanReprotect(TopologyOptions topology, ServingPrimaryStore servingPrimary, NodeAgents agents) : DrActivity<PlanReprotect,
    PlanReprotectInput, ReprotectPlan>
{
    public override async Task<ReprotectPlan> RunAsync(TaskActivityContext context, PlanReprotectInput input)
    {
        var serving = await servingPrimary.ReadAsync();
        var (servingRegion, primaryNode) = serving is { } s ? (s.Region, s.Node) : topology.PrimaryByRole();
        var region = input.Region ?? topology.PrimaryByRole().Region;
        if (!topology.Regions.TryGetValue(region, out var options))
        {
            throw new BadInputException($"region: no region '{region}' in the topology (regions: {string.Join(", ", topology.Regions.Keys)})");
        }

        if (string.Equals(region, servingRegion, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"{region} serves (its node {primaryNode} is the primary, DR state epoch {serving?.Epoch
                ?? 0}): name the region to re-protect");
        }

        var node = options.Database.Nodes.FirstOrDefault()
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{region}:Database:Nodes: the region has no database node");
        var primary = topology.FindNode(primaryNode)?.Node
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}: the serving primary {primaryNode} is not a node of the topology");

        NodeStatus status;
        try
        {
            status = await agents.For(node.Name).StatusAsync();
        }
        catch (InvalidOperationException e)
        {
            throw new SafetyCheckRefusedException($"{node.Name} cannot be re-protected while its agent does not answer (revive the region first): {e.Message}");
        }

        if (status.Writable)
        {
            throw new SafetyCheckRefusedException(
                $"{node.Name} is a writable primary beside the serving {primaryNode}: fence it first (its agent's POST /fence), then re-protect; its writes " +
                    $"since the split are not in the serving primary");
        }

        var streams = !status.Fenced && status.StreamsFrom(primary.Host, primary.Port);
        var before = $"{status.Role.ToString().ToLowerInvariant()}{(status.Fenced ? ", fenced" : "")}, timeline {status.Timeline?.ToString() ?? "?"}";
        return new ReprotectPlan(region, node.Name, primaryNode, primary.Host, primary.Port, streams, before);
    }
}
