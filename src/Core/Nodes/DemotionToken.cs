namespace CausalEval.Dr.Core.Nodes;

/// <summary>
/// What a primary that stood down for a switchover leaves behind, read from its control file once it is shut
/// down (pg_controldata), as CloudNativePG's replica-cluster switchover does: the new primary may be promoted
/// only once it has replayed the shutdown checkpoint of the same cluster (system id) on the same timeline.
/// Then it holds every commit the old primary acknowledged.
/// </summary>
/// <param name="CheckpointLsn">Where the shutdown checkpoint record starts; a standby holding it has replayed past it.</param>
/// <param name="RedoLsn">The checkpoint's REDO position (equal to <paramref name="CheckpointLsn"/> for a shutdown checkpoint).</param>
/// <param name="ClusterState">pg_controldata's "Database cluster state": "shut down" when the stop was clean.</param>
public sealed record DemotionToken(string Node, string SystemIdentifier, int Timeline, string CheckpointLsn, string RedoLsn, string ClusterState)
{
    public const string CleanShutdown = "shut down";

    /// <summary>
    /// Why <paramref name="standby"/> does not hold the token yet, or null when it does. <c>Never</c> is true when
    /// waiting cannot help (another cluster, another timeline): the switchover must stop at once.
    /// </summary>
    /// <param name="streamedTimeline">
    /// The timeline the standby was seen streaming on from this primary. Once the primary has shut down, the
    /// standby's WAL receiver is gone and PostgreSQL tells its replay timeline nowhere else (its restartpoint's may
    /// be older): the timeline it streamed on stands in for it then.
    /// </param>
    public (string Reason, bool Never)? NotReachedBy(NodeStatus standby, int? streamedTimeline)
    {
        if (standby.SystemIdentifier is { } system && system != SystemIdentifier)
        {
            return ($"{standby.Node} belongs to another cluster (system id {system}, the demoted primary's is {SystemIdentifier})", true);
        }

        if (standby.Role != NodeRole.Standby)
        {
            return ($"{standby.Node} is {standby.Role.ToString().ToLowerInvariant()}, not a standby in recovery", standby.Role == NodeRole.Primary);
        }

        if ((standby.Upstream is not null ? standby.Timeline : streamedTimeline ?? standby.Timeline) is { } timeline && timeline != Timeline)
        {
            return ($"{standby.Node} is on timeline {timeline}, the demoted primary on {Timeline}", timeline > Timeline);
        }

        var replayed = standby.ReplayLsn is { } lsn ? Lsn.Bytes(lsn) : -1;
        return replayed > Lsn.Bytes(CheckpointLsn)
            ? null
            : ($"{standby.Node} has replayed up to {standby.ReplayLsn ?? "nothing"}, not yet past the shutdown checkpoint at {CheckpointLsn}", false);
    }
}
