using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

public sealed record FenceOldPrimaryInput(string Node, string Reason);

/// <param name="Fenced">The agent answered and the node is fenced now.</param>
/// <param name="Detail">What happened; for an unreachable agent, how the fence still holds.</param>
public sealed record OldPrimaryFenced(string Node, bool Fenced, bool Reachable, string Detail);

/// <summary>
/// Fences the old primary through its agent (marker first, then SIGKILL of the cluster). An agent that does
/// not answer within a few seconds is the usual case of a lost region: that is recorded, not retried for
/// minutes, and the fence holds anyway because the DR state names the new primary before it is promoted
/// (its agent reads it before starting PostgreSQL); where the region's compute can fence by itself (Kubernetes:
/// the database's StatefulSet scaled to 0) that is done and recorded too. Idempotent: a fenced node is returned as it is.
/// </summary>
public sealed class FenceOldPrimary(NodeAgents agents, TopologyOptions topology, ICompute compute) : DrActivity<FenceOldPrimary, FenceOldPrimaryInput,
    OldPrimaryFenced>
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
            var unreachable = $"agent unreachable ({(e is OperationCanceledException ? $"no answer in {Patience.TotalSeconds:0} s" : e.Message)})";
            // Beyond the agent: the platform's own fence, where the region's compute has one (Kubernetes: the StatefulSet to 0).
            var platform = topology.FindNode(input.Node) is { } node ? await PlatformFenceAsync(node.Region) : null;
            return new OldPrimaryFenced(input.Node, Fenced: platform?.Done == true, Reachable: false,
                $"{unreachable}: {(platform is { } p ? p.Detail + "; " : "")}the DR state fences it when it starts");
        }
    }

    private async Task<(bool Done, string Detail)?> PlatformFenceAsync(string region)
    {
        using var patience = new CancellationTokenSource(Patience * 3);
        try
        {
            return await compute.FenceDatabaseAsync(region, patience.Token) is { } done ? (true, done) : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (false, $"the platform's fence failed too ({e.Message})"); // recorded, not retried: the DR state still holds
        }
    }
}
