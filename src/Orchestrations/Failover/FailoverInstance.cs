using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Orchestrations.Instances;

namespace CausalEval.Dr.Orchestrations.Failover;

/// <param name="Joined">True when a failover was already running: <see cref="InstanceId"/> is that one, and nothing new started.</param>
public sealed record FailoverStarted(string InstanceId, bool Joined);

/// <summary>
/// The one way a failover starts, for the monitor and for people alike: at most one runs at a time. A
/// running one is joined. Otherwise the id is derived from the DR state (<c>failover-epoch-{next}-{attempt}</c>),
/// so two starters racing compute the same id and the task hub keeps one; an earlier attempt that ended
/// without failing over (rejected, failed) leaves room for the next attempt number.
/// </summary>
public static class FailoverInstance
{
    public const string Prefix = "failover-";

    /// <param name="orchestrator">The failover's orchestrator, from its registry row: only a running instance of it is joined.</param>
    public static async Task<FailoverStarted> StartAsync(IInstanceStarter hub, ServingPrimaryStore servingPrimary, string orchestrator, string version,
        object input,
        CancellationToken cancellationToken = default)
    {
        for (var tries = 0; ; tries++)
        {
            if (await ActiveAsync(hub, orchestrator, cancellationToken) is { } running)
            {
                return new FailoverStarted(running.Id, Joined: true);
            }

            var next = ((await servingPrimary.ReadAsync(cancellationToken))?.Epoch ?? 0) + 1;
            var epochPrefix = $"{Prefix}epoch-{next}-";
            // Every id taken counts but a running failover's: one started by a racer since the look above is running,
            // so every racer computes its id, the hub keeps one, and the others join it on the next turn.
            var taken = (await hub.ListAsync(epochPrefix, cancellationToken)).Count(i => !IsRunning(i, orchestrator));
            var id = $"{epochPrefix}{taken + 1}";
            if (await hub.TryStartAsync(orchestrator, version, id, input, cancellationToken))
            {
                return new FailoverStarted(id, Joined: false);
            }

            // Someone started that id a moment ago: join it, or (it already ended) look again.
            if (tries >= 5)
            {
                throw new InvalidOperationException($"could not start or join a failover: {id} exists but is not running");
            }
        }
    }

    /// <summary>The running failover, if any: an instance under the prefix that runs something else is never joined.</summary>
    public static async Task<InstanceInfo?> ActiveAsync(IInstanceStarter hub, string orchestrator, CancellationToken cancellationToken = default) =>
        (await hub.ListAsync(Prefix, cancellationToken)).Where(i => IsRunning(i, orchestrator)).OrderBy(i => i.CreatedAt).FirstOrDefault();

    private static bool IsRunning(InstanceInfo instance, string orchestrator) => instance.IsActive && instance.Name == orchestrator;
}
