using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <summary>A node, by its name in the DR topology: activities never carry its address or token.</summary>
public sealed record NodeInput(string Node);

/// <summary>The node's role, timeline, WAL positions, replication and fence, from its agent.</summary>
public sealed class ReadNodeStatus(NodeAgents agents) : DrActivity<ReadNodeStatus, NodeInput, NodeStatus>
{
    public override Task<NodeStatus> RunAsync(TaskActivityContext context, NodeInput input) => agents.For(input.Node).StatusAsync();
}
