using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="Node">The node whose data the recovered cluster replaces: it must be the serving primary.</param>
public sealed record PlanReplaceInput(string Node);

/// <param name="Epoch">The DR state's epoch (0 before any failover): the new timeline is recorded under it.</param>
/// <param name="Host">The node's address and port, which the standby copies from once it is rebuilt.</param>
/// <param name="Standby">The node that streams from it and must be rebuilt on the new timeline (null: none).</param>
public sealed record ReplacePlan(string Node, string Region, int Epoch, string Host, int Port, string? Standby);

/// <summary>
/// What swapping a recovered cluster into service touches, checked before anything is: only the serving
/// primary's data is replaced (replacing a standby's would serve nothing), and its standby, which cannot
/// follow a timeline that branches off in its past, is rebuilt after. Reads only.
/// </summary>
public sealed class PlanReplace(ServingPrimaryStore state, TopologyOptions topology) : DrActivity<PlanReplace, PlanReplaceInput, ReplacePlan>
{
    public override async Task<ReplacePlan> RunAsync(TaskActivityContext context, PlanReplaceInput input)
    {
        var current = await state.ReadAsync();
        var (region, serving) = ServingPrimaryStore.ServingOf(current, topology);
        if (!string.Equals(serving, input.Node, StringComparison.OrdinalIgnoreCase))
        {
            throw new BadInputException($"replace: {input.Node} is not the serving primary ({serving} is): only the serving primary's data is replaced; " +
                $"recover beside it with --into instead");
        }

        var node = topology.FindNode(serving)?.Node ?? throw new DrConfigurationException($"the serving primary {serving} is not in the DR topology");
        return new(node.Name, region, current?.Epoch ?? 0, node.Host, node.Port, topology.StandbyOf(node.Name)?.Name);
    }
}
