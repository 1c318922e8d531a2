using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="RecoverJob">The recover job whose cluster is the sandbox.</param>
public sealed record DropSandboxInput(string Node, string RecoverJob);

/// <param name="Discarded">The directory removed; null when there was nothing left (a rerun, or no recovery ran).</param>
public sealed record SandboxDropped(string Node, string? Discarded);

/// <summary>
/// Stops the sandbox a recover job left running beside a node and removes its directory, as a discard job of that node's
/// agent (which touches only a directory that recover job claimed). Safe to run again, or for a recovery that never ran.
/// </summary>
public sealed class DropSandbox(NodeAgents agents) : DrActivity<DropSandbox, DropSandboxInput, SandboxDropped>
{
    public override async Task<SandboxDropped> RunAsync(TaskActivityContext context, DropSandboxInput input)
    {
        var agent = agents.For(input.Node);
        var id = $"{input.RecoverJob}-discard";
        var job = await agent.StartJobAsync(id, new AgentJobRequest(AgentJob.DiscardKind, PreparedBy: input.RecoverJob));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (job.State == AgentJobState.Running && DateTime.UtcNow < deadline)
        {
            job = await agent.JobAsync(id, TimeSpan.FromSeconds(10));
        }

        return job.State switch
        {
            AgentJobState.Succeeded => new SandboxDropped(input.Node, job.Result?["discarded"]?.GetValue<string?>()),
            AgentJobState.Failed => throw new StepFailedException($"discard {id} on {input.Node} failed: {job.Error}"),
            _ => throw new StepTimedOutException($"discard {id} on {input.Node} still runs after 120 s"),
        };
    }
}
