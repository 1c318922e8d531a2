using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <summary>
/// Promotes a standby through its agent and returns once it accepts writes. Idempotent: a node that is
/// already a primary is returned as it is (the agent checks first), so a rerun never promotes twice.
/// </summary>
public sealed class PromoteNode(NodeAgents agents) : DrActivity<PromoteNode, NodeInput, NodeStatus>
{
    public override Task<NodeStatus> RunAsync(TaskActivityContext context, NodeInput input) => agents.For(input.Node).PromoteAsync();
}
