using CausalEval.Dr.Core.Retention;

namespace CausalEval.Dr.Tests.Core;

public sealed class WalRetention_test
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    /// <summary>One segment per day for 40 days: segment n stored n days after the oldest, on timeline 1.</summary>
    private static List<ArchivedWal> Archive() =>
        Enumerable.Range(0, 40).Select(n => new ArchivedWal($"00000001000000000000{n:X4}".PadLeft(24, '0')[..24], Now.AddDays(n - 40))).ToList();

    private static RetainedBackup BackupAtSegment(int n) => new(Now.AddDays(n - 40), $"0/{n:X2}000028", $"0/{n:X2}000100");

    [Fact]
    public void Keeps_every_segment_from_the_backup_that_opens_the_window()
    {
        // Backups on days 5, 20, 30 and 38: the window opens at day 33, so PITR starts from the day-30 backup.
        var backups = new[] { 5, 20, 30, 38 }.Select(BackupAtSegment).ToList();

        var deleted = WalRetention.SelectForDeletion(Archive(), backups, Now, Week).Select(w => WalRetention.PositionOf(w.FileName)).ToList();

        // Below 30 goes, except what the retained backups on days 5 and 20 need for themselves.
        var expected = Enumerable.Range(0, 30).Where(n => n is not 5 and not 20).Select(n => (long?)n).ToList();
        Assert.Equal(expected, deleted);
    }

    [Fact]
    public void Keeps_everything_while_the_only_backup_is_inside_the_window()
    {
        var deleted = WalRetention.SelectForDeletion(Archive(), [BackupAtSegment(38)], Now, Week);

        Assert.Equal(Enumerable.Range(0, 33).Select(n => (long?)n), deleted.Select(w => WalRetention.PositionOf(w.FileName)).Where(p => p < 38));
        Assert.DoesNotContain(deleted, w => WalRetention.PositionOf(w.FileName) >= 33); // younger than the window
    }

    [Fact]
    public void Deletes_nothing_without_a_backup_and_never_a_history_file()
    {
        var archive = Archive();
        archive.Add(new ArchivedWal("00000002.history", Now.AddDays(-39)));

        Assert.Empty(WalRetention.SelectForDeletion(archive, [], Now, Week));
        Assert.DoesNotContain(WalRetention.SelectForDeletion(archive, [BackupAtSegment(38)], Now, Week), w => w.FileName.EndsWith(".history"));
    }

    [Fact]
    public void Reads_lsns_and_segment_names_across_the_4_GB_boundary()
    {
        Assert.Equal(0x100 + 0x9E, WalRetention.SegmentOf("1/9E000100"));
        Assert.Equal(0x100 + 0x9E, WalRetention.PositionOf("00000003000000010000009E.partial"));
        Assert.Null(WalRetention.PositionOf("00000002.history"));
        Assert.Throws<FormatException>(() => WalRetention.SegmentOf("not-an-lsn"));
    }
}
