using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <summary>One (long) poll of a node job: its state and progress, once it ends or after WaitSeconds.</summary>
public sealed class ReadNodeJob(NodeAgents agents) : DrActivity<ReadNodeJob, NodeJobInput, AgentJob>
{
    public override Task<AgentJob> RunAsync(TaskActivityContext context, NodeJobInput input) =>
        agents.For(input.Node).JobAsync(input.JobId, TimeSpan.FromSeconds(Math.Clamp(input.WaitSeconds, 0, 30)));
}
