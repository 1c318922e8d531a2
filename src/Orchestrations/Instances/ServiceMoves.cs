using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>
/// The runbooks that change which node serves, or rebuild or replace one (their rows' <see cref="RunbookDefinition.Moves"/>):
/// two of them at once would fight over the same nodes, DNS records and DR state, so a start is refused while another
/// runs. A database recovery counts when it replaces the serving data; one beside the running cluster does not. (Failover keeps its own stronger
/// rule on top: a running failover is joined, and its id comes from the DR state, so racing starters share one.)
/// A race between two starts in the same instant is still caught by the runbooks' own plans, which refuse a
/// primary that stood down or a region that no longer serves.
/// </summary>
public static class ServiceMoves
{
    /// <summary>Whether a start of <paramref name="runbook"/> with <paramref name="input"/> moves or replaces what serves.</summary>
    public static bool IsMove(string runbook, object? input) => RunbookRegistry.Find(runbook)?.Moves.For(input) == true;

    private static readonly OrchestrationRuntimeStatus[] Active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>The oldest service move still running, if any; drills left out when <paramref name="drillsYield"/> (a failover is never held
    /// up by a drill: the drill sees it and stops).</summary>
    public static async Task<OrchestrationMetadata?> RunningAsync(DurableTaskClient client, bool drillsYield = false,
        CancellationToken cancellationToken = default)
    {
        OrchestrationMetadata? oldest = null;
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { Statuses = Active, FetchInputsAndOutputs = true })
                           .WithCancellation(cancellationToken))
        {
            if (RunbookRegistry.Find(instance.Name) is { } runbook && runbook.Moves.For(InputOf(runbook, instance))
                && !(drillsYield && runbook.Category == RunbookCategory.Drill)
                && (oldest is null || instance.CreatedAt < oldest.CreatedAt))
            {
                oldest = instance;
            }
        }

        return oldest;
    }

    /// <summary>The run's input as its runbook reads it; null when it does not parse (a condition on it is then false).</summary>
    private static object? InputOf(RunbookDefinition runbook, OrchestrationMetadata instance)
    {
        if (runbook.Moves == InputCondition.Never || runbook.Moves == InputCondition.Always || instance.SerializedInput is not { Length: > 0 } json)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, runbook.InputType, DrJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
