using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Failover;

/// <param name="To">Target region; default: the secondary (or, after a failover, the first other region with a database).</param>
/// <param name="Force">Promote even when the standby is further behind than the database RPO allows.</param>
public sealed record AssessFailoverInput(string? To, bool Force, string? LastPrimaryLsn);

/// <summary>
/// Decides the failover: the serving primary (from the DR state, else the topology's primary region), the
/// target and its standby, and whether the standby is close enough: a standby further behind than the
/// database tier's RPO is refused (typed, recorded) unless forced. Reads only; changes nothing.
/// </summary>
public sealed class AssessFailover(TopologyOptions topology, ServingPrimaryStore servingPrimary, NodeAgents agents) : DrActivity<AssessFailover,
    AssessFailoverInput, FailoverPlan>
{
    public override async Task<FailoverPlan> RunAsync(TaskActivityContext context, AssessFailoverInput input)
    {
        // The secondary first, then any other region with a database (a failback goes to the old primary).
        var move = await RegionMove.ResolveAsync(topology, servingPrimary, input.To, [RegionRole.Secondary, RegionRole.Primary], "fail over");
        var (serving, from, fromNode, to, toNode) = (move.Serving, move.From, move.FromNode, move.To, move.TargetNode.Name);
        NodeStatus standby;
        try
        {
            standby = await agents.For(toNode).StatusAsync();
        }
        catch (InvalidOperationException e)
        {
            throw new SafetyCheckRefusedException($"the standby {toNode} cannot be assessed: {e.Message}");
        }

        if (!standby.Running || standby.Role is NodeRole.Stopped or NodeRole.Unknown)
        {
            throw new SafetyCheckRefusedException($"the standby {toNode} is not running ({standby.Role}{(standby.Error is null ? ""
                : $": {standby.Error}")}): nothing to promote");
        }

        if (standby.Fenced)
        {
            throw new SafetyCheckRefusedException($"the standby {toNode} is fenced: a fenced node is never promoted");
        }

        var rpo = RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds;
        var received = standby.ReceiveLsn ?? standby.ReplayLsn;
        var lastPrimaryLsn = input.LastPrimaryLsn ?? await FlushLsnOfAsync(fromNode);
        long? lagBytes = lastPrimaryLsn is { } last && received is not null ? Math.Max(0, Lsn.Bytes(last) - Lsn.Bytes(received)) : null;
        // Unknown lag (no LSN from the old primary) is judged by the replay delay, which over-estimates when the primary was idle.
        var behind = lagBytes == 0 ? 0 : standby.ReplayDelaySeconds ?? 0;
        if (standby.Role == NodeRole.Standby && behind > rpo && !input.Force)
        {
            throw new SafetyCheckRefusedException(
                $"the standby {toNode} is {behind:0} s behind (last replayed transaction), over the database RPO of {rpo:0} s; pass force to promote it " +
                    $"anyway and lose what it lacks");
        }

        return new FailoverPlan(from, fromNode, to, toNode, serving?.Epoch ?? 0, standby.Timeline, standby.ReceiveLsn, standby.ReplayLsn, lastPrimaryLsn,
            lagBytes, standby.ReplayDelaySeconds, rpo, input.Force && behind > rpo, standby.Role == NodeRole.Primary);
    }

    /// <summary>The old primary's flushed WAL position, if its agent still answers (a failover of a live primary).</summary>
    private async Task<string?> FlushLsnOfAsync(string node) => (await agents.For(node).StatusWithinAsync(TimeSpan.FromSeconds(2)))?.FlushLsn;
}
