using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <param name="JobId">Chosen by the orchestration (deterministic), so a retried start finds the job it started.</param>
/// <param name="WaitSeconds">Reading: let the agent answer when the job ends, or after this long (a long poll).</param>
public sealed record NodeJobInput(string Node, string JobId, AgentJobRequest? Request = null, int WaitSeconds = 0);

/// <summary>Starts long work on a node's host through its agent (or finds the job with this id) and returns at once.</summary>
public sealed class StartNodeJob(NodeAgents agents) : DrActivity<StartNodeJob, NodeJobInput, AgentJob>
{
    public override Task<AgentJob> RunAsync(TaskActivityContext context, NodeJobInput input) =>
        agents.For(input.Node).StartJobAsync(input.JobId, input.Request ?? throw new Core.Errors.BadInputException("a job needs its request"));
}
