using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Redis;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using StackExchange.Redis;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <param name="To">Target region; default: the topology's primary region when another serves (going home), else the secondary.</param>
/// <param name="MaxLagBytes">The most WAL the standby may still have to replay: more would lengthen the write gap.</param>
public sealed record PlanSwitchoverInput(string? To, long MaxLagBytes);

/// <summary>
/// The switchover's preflight: the serving primary (DR state, else the topology's) is a writable primary, the
/// target's node is an unfenced standby streaming from it, of the same cluster, less than MaxLagBytes behind,
/// both agents and the target's cache answer. Reads only; anything amiss is refused before a thing changes.
/// </summary>
public sealed class PlanSwitchover(TopologyOptions topology, ServingPrimaryStore servingPrimary, NodeAgents agents, DnsZone zone)
    : DrActivity<PlanSwitchover, PlanSwitchoverInput, SwitchoverPlan>
{
    public override async Task<SwitchoverPlan> RunAsync(TaskActivityContext context, PlanSwitchoverInput input)
    {
        // Home (the topology's primary region) when another serves; else the secondary, else any region with a database.
        var move = await RegionMove.ResolveAsync(topology, servingPrimary, input.To, [RegionRole.Primary, RegionRole.Secondary], "switch over");
        var (serving, from, fromNode, to, target, standbyNode) = (move.Serving, move.From, move.FromNode, move.To, move.Target, move.TargetNode);
        var source = topology.FindNode(fromNode)?.Node
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}: the serving primary {fromNode} is not a node of the topology");

        var primary = await StatusOf(fromNode, "the primary");
        var standby = await StatusOf(standbyNode.Name, "the standby");
        if (!primary.Writable || primary.Role != NodeRole.Primary)
        {
            throw new SafetyCheckRefusedException($"the serving primary {fromNode} is not a writable primary ({primary.Role}{(primary.Fenced ? ", fenced"
                : "")}): a switchover needs one; after a failover, `dr reprotect` first");
        }

        if (standby.Role != NodeRole.Standby || standby.Fenced)
        {
            throw new SafetyCheckRefusedException($"{standbyNode.Name} is {(standby.Fenced ? "fenced"
                : standby.Role.ToString().ToLowerInvariant())}, not a standby that can be promoted; `dr reprotect {to}` makes it one");
        }

        if (!standby.StreamsFrom(source.Host, source.Port))
        {
            throw new SafetyCheckRefusedException(
                $"{standbyNode.Name} does not stream from {fromNode} ({source.Host}:{source.Port}): its WAL receiver is {standby.Upstream?.Status
                    ?? "not running"}{(standby.Upstream is { } u ? $" from {u.SenderHost}:{u.SenderPort}" : "")}");
        }

        if (primary.SystemIdentifier != standby.SystemIdentifier)
        {
            throw new SafetyCheckRefusedException($"{standbyNode.Name} (system id {standby.SystemIdentifier}) is not a copy of {fromNode} (system id " +
                $"{primary.SystemIdentifier})");
        }

        var lag = Math.Max(0, Lsn.Bytes(primary.CurrentLsn!) - Lsn.Bytes(standby.ReplayLsn ?? "0/0"));
        if (lag > input.MaxLagBytes)
        {
            throw new SafetyCheckRefusedException($"{standbyNode.Name} is {lag / 1048576.0:F1} MiB behind {fromNode}, over the " +
                $"{input.MaxLagBytes / 1048576.0:F1} MiB a switchover allows: let it catch up");
        }

        // The target's cache is promoted beside its database, past the point of no return: it must answer now.
        if (target.Cache is { Redis: { Length: > 0 } cache })
        {
            try
            {
                await RedisPromotion.RoleAsync(cache);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                throw new SafetyCheckRefusedException($"the cache of {to} ({cache}) does not answer ({e.Message}): it could not be promoted with the database");
            }
        }

        var apiBefore = await zone.Records.GetAddressesAsync(topology.Api.Record);
        return new SwitchoverPlan(from, fromNode, source.Host, source.Port, to, standbyNode.Name, standbyNode.Host, standbyNode.Port,
            serving?.Epoch ?? 0, standby.Timeline ?? primary.Timeline ?? 1, lag, apiBefore.Order().ToList());
    }

    private async Task<NodeStatus> StatusOf(string node, string what)
    {
        try
        {
            return await agents.For(node).StatusAsync();
        }
        catch (InvalidOperationException e)
        {
            throw new SafetyCheckRefusedException($"{what} {node} cannot be checked: {e.Message}");
        }
    }
}
