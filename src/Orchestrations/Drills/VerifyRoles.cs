using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Serving">The node that must be the one writable primary.</param>
/// <param name="Fenced">Nodes that must be fenced (an old primary back after a failover).</param>
/// <param name="Nodes">Every node that runs (the live regions'): each is asked.</param>
public sealed record VerifyRolesInput(string Serving, IReadOnlyList<string> Fenced, IReadOnlyList<string> Nodes);

/// <param name="Writable">Every node that accepts writes: exactly the serving one is the only good answer.</param>
public sealed record RolesVerified(IReadOnlyList<string> Writable, IReadOnlyList<string> Fenced);

/// <summary>
/// Exactly one writable primary, the expected one, and the nodes that must be fenced are: asked of every node's agent.
/// A node whose agent does not answer fails the step (and is retried): it could be a second primary.
/// </summary>
public sealed class VerifyRoles(TopologyOptions topology, NodeAgents agents) : DrActivity<VerifyRoles, VerifyRolesInput, RolesVerified>
{
    public override async Task<RolesVerified> RunAsync(TaskActivityContext context, VerifyRolesInput input)
    {
        var writable = new List<string>();
        var fenced = new List<string>();
        foreach (var node in input.Nodes)
        {
            _ = topology.FindNode(node) ?? throw new BadInputException($"{node} is not a node of the topology");
            var status = await agents.For(node).StatusAsync();
            if (status.Writable)
            {
                writable.Add(node);
            }

            if (status.Fenced)
            {
                fenced.Add(node);
            }
        }

        if (writable.Count != 1 || !string.Equals(writable[0], input.Serving, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"writable primaries: [{string.Join(", ", writable)}], expected only {input.Serving}");
        }

        var notFenced = input.Fenced.Except(fenced, StringComparer.OrdinalIgnoreCase).ToList();
        return notFenced.Count == 0 ? new RolesVerified(writable, fenced)
            : throw new SafetyCheckRefusedException($"not fenced: {string.Join(", ", notFenced)}");
    }
}
