using CausalEval.Dr.Core.Nodes;

namespace CausalEval.Dr.Tests.Core;

/// <summary>When a standby may be promoted after a primary stood down: it holds the shutdown checkpoint of the same cluster and timeline.</summary>
public sealed class Demotion_token_test
{
    private static readonly DemotionToken Token = new("primary-db", "7716025480874664165", 3, "0/6000028", "0/6000028", DemotionToken.CleanShutdown);

    private static NodeStatus Standby(string replay, int timeline = 3, string system = "7716025480874664165", bool receiving = false) =>
        new("secondary-db", NodeRole.Standby, Running: true, Writable: false, Fenced: false, timeline, null, null, replay, replay, 0, null, [],
            receiving ? new UpstreamStatus("streaming", "127.0.1.1", 5432) : null, SystemIdentifier: system);

    [Fact]
    public void A_standby_past_the_shutdown_checkpoint_holds_it()
    {
        Assert.Null(Token.NotReachedBy(Standby("0/60000A0"), streamedTimeline: 3));
    }

    [Fact]
    public void A_standby_at_or_before_the_checkpoint_is_waited_for()
    {
        var why = Token.NotReachedBy(Standby("0/6000028"), streamedTimeline: 3);
        Assert.False(why!.Value.Never);
        Assert.Contains("not yet past the shutdown checkpoint at 0/6000028", why.Value.Reason);
    }

    [Fact]
    public void Another_cluster_is_refused_at_once_whatever_it_replayed()
    {
        var why = Token.NotReachedBy(Standby("1/0", system: "7000000000000000001"), streamedTimeline: 3);
        Assert.True(why!.Value.Never);
        Assert.Contains("another cluster", why.Value.Reason);
    }

    [Fact]
    public void Without_a_wal_receiver_the_timeline_it_streamed_on_counts_not_its_restartpoints()
    {
        // Its last restartpoint is on timeline 2; it streamed timeline 3 from the primary until the shutdown.
        Assert.Null(Token.NotReachedBy(Standby("0/60000A0", timeline: 2), streamedTimeline: 3));
        // Streaming now, it says its own timeline: a newer one than the token's can never get there.
        var newer = Token.NotReachedBy(Standby("0/60000A0", timeline: 4, receiving: true), streamedTimeline: 3);
        Assert.True(newer!.Value.Never);
    }

    [Fact]
    public void A_promoted_target_is_never_waited_for()
    {
        var primary = Standby("0/60000A0") with { Role = NodeRole.Primary };
        Assert.True(Token.NotReachedBy(primary, 3)!.Value.Never);
    }
}
