using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Switchover;

public sealed record RejoinOldPrimaryInput(string Node, string PrimaryHost, int PrimaryPort);

/// <summary>
/// The primary that stood down follows the new one as a streaming standby, with no rebuild: it stopped at its
/// shutdown checkpoint, which the new primary replayed before it was promoted, so the new timeline starts
/// right where its WAL ends. Idempotent: a node already streaming from that primary is returned as it is.
/// </summary>
public sealed class RejoinOldPrimary(NodeAgents agents) : DrActivity<RejoinOldPrimary, RejoinOldPrimaryInput, NodeStatus>
{
    public override Task<NodeStatus> RunAsync(TaskActivityContext context, RejoinOldPrimaryInput input) =>
        agents.For(input.Node).DemoteAsync(new DemoteRequest(input.PrimaryHost, input.PrimaryPort));
}
