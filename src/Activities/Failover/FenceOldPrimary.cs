using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Activities.Failover;

public sealed record FenceOldPrimaryInput(string Node, string Reason);

/// <param name="Fenced">The agent answered and the node is fenced now.</param>
/// <param name="Detail">What happened; for an unreachable agent, how the fence still holds.</param>
public sealed record OldPrimaryFenced(string Node, bool Fenced, bool Reachable, string Detail);

/// <summary>
/// Fences the old primary through its agent (marker first, then SIGKILL of the cluster). An agent that does
/// not answer within a few seconds is the usual case of a lost region: that is recorded, not retried for
/// minutes, and the fence holds anyway because the DR state names the new primary before it is promoted
/// (its agent reads it before starting PostgreSQL). Idempotent: a fenced node is returned as it is.
/// </summary>
public sealed class FenceOldPrimary(NodeAgents agents) : TaskActivity<FenceOldPrimaryInput, OldPrimaryFenced>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    public override async Task<OldPrimaryFenced> RunAsync(TaskActivityContext context, FenceOldPrimaryInput input)
    {
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            var status = await agents.For(input.Node).FenceAsync(new FenceRequest(input.Reason, $"instance {context.InstanceId}"), patience.Token);
            return new OldPrimaryFenced(input.Node, status.Fenced, Reachable: true,
                status.Fenced ? $"fenced ({status.Role}, running: {status.Running})" : "the agent answered but the node is not fenced");
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            return new OldPrimaryFenced(input.Node, Fenced: false, Reachable: false,
                $"agent unreachable ({(e is OperationCanceledException ? $"no answer in {Patience.TotalSeconds:0} s" : e.Message)}): the DR state fences it when it starts");
        }
    }
}
