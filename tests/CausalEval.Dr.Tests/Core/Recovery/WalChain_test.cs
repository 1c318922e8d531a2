using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Core.Retention;

namespace CausalEval.Dr.Tests.Core.Recovery;

/// <summary>The plan's WAL check on archive listings: chains across a timeline switch, holes, targets past the end, bad targets.</summary>
public sealed class WalChain_test
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Segments 2..6 on timeline 1; a failover at 0/5000100 (segment 5) to timeline 2, which has 5..7.</summary>
    private static List<ArchivedWal> AcrossFailover() =>
    [
        .. Enumerable.Range(2, 5).Select(s => new ArchivedWal(WalChain.NameOf(1, s), T0.AddMinutes(s))),
        new(WalChain.NameOf(1, 5) + ".partial", T0.AddMinutes(5)),
        new("00000002.history", T0.AddMinutes(5)),
        .. Enumerable.Range(5, 3).Select(s => new ArchivedWal(WalChain.NameOf(2, s), T0.AddMinutes(10 + s))),
    ];

    private static readonly IReadOnlyList<TimelineSwitch> History = WalChain.ParseHistory("1\t0/5000100\tno recovery target specified\n");

    [Fact]
    public void A_chain_follows_the_newest_timeline_from_its_switch_segment()
    {
        var reach = WalChain.Check(AcrossFailover(), History, 2, 1, "0/2000028", "0/2000100", RecoveryTarget.Latest);
        Assert.Null(reach.Problem);
        Assert.Equal((2, WalChain.NameOf(2, 7)), (reach.Timeline, reach.LastSegment));
    }

    [Fact]
    public void A_hole_is_named_and_refuses_latest_but_not_an_earlier_time()
    {
        var archive = AcrossFailover().Where(w => w.FileName != WalChain.NameOf(2, 6)).ToList();
        var latest = WalChain.Check(archive, History, 2, 1, "0/2000028", "0/2000100", RecoveryTarget.Latest);
        Assert.Contains($"hole at {WalChain.NameOf(2, 6)}", latest.Problem);
        var early = WalChain.Check(archive, History, 2, 1, "0/2000028", "0/2000100", RecoveryTarget.Parse(T0.AddMinutes(14).ToString("O")));
        Assert.Null(early.Problem);
    }

    [Fact]
    public void A_target_past_the_end_of_the_archive_or_a_missing_segment_before_consistency_is_refused()
    {
        var late = WalChain.Check(AcrossFailover(), History, 2, 1, "0/2000028", "0/2000100", RecoveryTarget.Parse(T0.AddHours(1).ToString("O")));
        Assert.Contains("past the end of the archive", late.Problem);
        var lsn = WalChain.Check(AcrossFailover(), History, 2, 1, "0/2000028", "0/2000100", RecoveryTarget.Parse("lsn:0/9000000"));
        Assert.Contains("past the end of the archive", lsn.Problem);
        var broken = WalChain.Check(AcrossFailover().Where(w => w.FileName != WalChain.NameOf(1, 3)).ToList(), History, 2, 1, "0/2000028", "0/3000100",
            RecoveryTarget.Latest);
        Assert.Contains("the WAL chain is broken", broken.Problem);
    }

    [Fact]
    public void A_backup_on_a_branch_that_is_not_an_ancestor_is_refused()
    {
        var reach = WalChain.Check(AcrossFailover(), History, 2, 1, "0/6000028", "0/6000100", RecoveryTarget.Latest);
        Assert.Contains("another branch", reach.Problem);
    }

    [Theory]
    [InlineData("2026-12-01T10:15:00")]
    [InlineData("lsn:zz")]
    [InlineData("tomorrow")]
    public void Targets_that_do_not_parse_are_named(string text) =>
        Assert.Contains(text.StartsWith("lsn:") ? "not a WAL position" : "not a recovery target",
            Assert.ThrowsAny<DrException>(() => RecoveryTarget.Parse(text)).Message);

    [Fact]
    public void Targets_parse_to_the_settings_postgres_reads()
    {
        var time = RecoveryTarget.Parse("2026-12-01T11:15:00.25+01:00");
        Assert.Equal("2026-12-01 10:15:00.250000+00", time.PostgresSettings()["recovery_target_time"]);
        Assert.Equal("0/3000148", RecoveryTarget.Parse("lsn:0/3000148").PostgresSettings()["recovery_target_lsn"]);
        Assert.False(RecoveryTarget.Parse("latest").PostgresSettings().ContainsKey("recovery_target_action"));
    }
}
