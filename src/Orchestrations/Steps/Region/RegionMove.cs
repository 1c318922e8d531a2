using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>A move of the service (failover, switchover): from the serving primary to a target region with a database node.</summary>
public sealed record RegionMove(ServingPrimary? Serving, string From, string FromNode, string To, RegionOptions Target, DatabaseNodeOptions TargetNode)
{
    /// <summary>
    /// The serving primary (the DR state's, else the topology's primary) and the target: <paramref name="to"/>, or the first
    /// other region with a database in <paramref name="preference"/> order of roles. Bad input or a refusal names the problem.
    /// </summary>
    /// <param name="verb">What the move does, for the messages ("fail over", "switch over").</param>
    public static async Task<RegionMove> ResolveAsync(TopologyOptions topology, ServingPrimaryStore store, string? to, IReadOnlyList<RegionRole> preference,
        string verb)
    {
        var serving = await store.ReadAsync();
        var (from, fromNode) = serving is { } s ? (s.Region, s.Node) : topology.PrimaryByRole();
        to ??= topology.Regions.Where(r => !string.Equals(r.Key, from, StringComparison.OrdinalIgnoreCase) && r.Value.Database.Nodes.Count > 0)
                   .OrderBy(r => r.Value.RoleValue is { } role && preference.Contains(role) ? preference.ToList().IndexOf(role) : preference.Count)
                   .Select(r => r.Key).FirstOrDefault()
               ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions: no region besides {from} has a database node to {verb} to");
        if (!topology.Regions.TryGetValue(to, out var target))
        {
            throw new BadInputException($"to: no region '{to}' in the topology (regions: {string.Join(", ", topology.Regions.Keys)})");
        }

        if (string.Equals(to, from, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"to: {to} already serves (DR state epoch {serving?.Epoch ?? 0}): nothing to {verb} to");
        }

        var node = target.Database.Nodes.FirstOrDefault()
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{to}:Database:Nodes: the target region has no database node");
        return new RegionMove(serving, from, fromNode, to, target, node);
    }
}
