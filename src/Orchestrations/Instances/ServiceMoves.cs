using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>
/// The runbooks that change which node serves, or rebuild one: two of them at once would fight over the same
/// nodes, DNS records and DR state, so a start is refused while another runs. (Failover keeps its own stronger
/// rule on top: a running failover is joined, and its id comes from the DR state, so racing starters share one.)
/// A race between two starts in the same instant is still caught by the runbooks' own plans, which refuse a
/// primary that stood down or a region that no longer serves.
/// </summary>
public static class ServiceMoves
{
    public static readonly IReadOnlySet<string> Runbooks = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(Failover.Failover), nameof(Switchover.Switchover), nameof(Switchover.Failback), nameof(Reprotect.Reprotect), nameof(Recovery.RecoverRegion),
    };

    private static readonly OrchestrationRuntimeStatus[] Active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>The oldest service move still running, if any.</summary>
    public static async Task<OrchestrationMetadata?> RunningAsync(DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        OrchestrationMetadata? oldest = null;
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { Statuses = Active, FetchInputsAndOutputs = false })
                           .WithCancellation(cancellationToken))
        {
            if (Runbooks.Contains(instance.Name) && (oldest is null || instance.CreatedAt < oldest.CreatedAt))
            {
                oldest = instance;
            }
        }

        return oldest;
    }
}
