using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Activities.Nodes;

/// <summary>One poll of a node job: its state and progress. The orchestration waits between polls with durable timers.</summary>
public sealed class ReadNodeJob(NodeAgents agents) : TaskActivity<NodeJobInput, AgentJob>
{
    public override Task<AgentJob> RunAsync(TaskActivityContext context, NodeJobInput input) => agents.For(input.Node).JobAsync(input.JobId);
}
