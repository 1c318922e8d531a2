using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Activities.Nodes;

public sealed record FenceNodeInput(string Node, string? Reason = null, string? By = null);

/// <summary>
/// Fences a node through its agent: it stops taking writes now and can only come back read-only. Idempotent:
/// a fenced node is returned as it is.
/// </summary>
public sealed class FenceNode(NodeAgents agents) : TaskActivity<FenceNodeInput, NodeStatus>
{
    public override Task<NodeStatus> RunAsync(TaskActivityContext context, FenceNodeInput input) =>
        agents.For(input.Node).FenceAsync(new FenceRequest(input.Reason, input.By ?? $"instance {context.InstanceId}"));
}
