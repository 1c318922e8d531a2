using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Switchover;

public sealed record StandDownPrimaryInput(string Node, string Reason);

/// <summary>
/// Stops the serving primary cleanly through its agent (checkpoint, fence marker, fast shutdown) and returns its
/// demotion token. Writes stop here. Idempotent: a rerun on the stopped node answers the same token.
/// </summary>
public sealed class StandDownPrimary(NodeAgents agents) : DrActivity<StandDownPrimary, StandDownPrimaryInput, DemotionToken>
{
    public override Task<DemotionToken> RunAsync(TaskActivityContext context, StandDownPrimaryInput input) =>
        agents.For(input.Node).StandDownAsync(new FenceRequest(input.Reason, $"instance {context.InstanceId}"));
}
