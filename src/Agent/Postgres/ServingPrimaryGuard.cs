using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Agent.Postgres;

/// <summary>
/// Asked before PostgreSQL starts writable: does the control plane's DR state name another node as the
/// serving primary, on a newer timeline? Then this node was failed away from while it was unreachable
/// (a region coming back), and it starts fenced. This is what makes a fence stick when the fence itself
/// could not be delivered.
/// </summary>
public sealed class ServingPrimaryGuard(AgentSettings settings)
{
    /// <summary>
    /// The node the control plane serves from: the DR state's, else (no move yet) the topology's primary by role.
    /// Unreadable DR state is a refusal: nothing that would replace a serving node goes on without knowing.
    /// </summary>
    public async Task<string?> ServingNodeAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Store.Kind))
        {
            return settings.PrimaryByRole;
        }

        try
        {
            return (await new ServingPrimaryStore(settings.Store.CreateStore()).ReadAsync(cancellationToken))?.Node ?? settings.PrimaryByRole;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new SafetyCheckRefusedException($"node {settings.Node}: cannot read the DR state ({e.Message}), so cannot tell which node serves");
        }
    }

    /// <returns>Why the node must start fenced, or null when it may start as it is.</returns>
    public async Task<string?> ReasonToStartFencedAsync(PgCtl pgctl, CancellationToken cancellationToken)
    {
        if (pgctl.StartsAsStandby || string.IsNullOrWhiteSpace(settings.Store.Kind))
        {
            return null; // a standby is read-only anyway; an agent without a DR store has nothing to consult
        }

        Core.Failover.ServingPrimary? serving;
        try
        {
            serving = await new ServingPrimaryStore(settings.Store.CreateStore()).ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new SafetyCheckRefusedException($"node {settings.Node}: cannot read the DR state ({e.Message}); PostgreSQL does not start writable without " +
                $"it");
        }

        if (serving is null || string.Equals(serving.Node, settings.Node, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var mine = await pgctl.CheckpointTimelineAsync();
        if (serving.Timeline is { } theirs && mine is { } own && own >= theirs)
        {
            return null;
        }

        return $"the DR state names {serving.Node} ({serving.Region}) the serving primary since {serving.Since:O} (epoch {serving.Epoch}, timeline " +
            $"{serving.Timeline}); this node is on timeline {mine}";
    }
}
