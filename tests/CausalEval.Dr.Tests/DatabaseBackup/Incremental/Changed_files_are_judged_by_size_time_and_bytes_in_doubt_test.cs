using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// pgBackRest's rule for what an incremental stores: a new file, another size or another modification time is a change; the same size
/// and time is no change, unless the parent saw the file modified about when it began reading (it may hold a half-written copy), when
/// the bytes decide; a full backup's times are to the second, so a child compares its own truncated.
/// </summary>
public sealed class Changed_files_are_judged_by_size_time_and_bytes_in_doubt_test
{
    private static readonly DateTimeOffset ParentStart = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("new file", null, 100, -60.0, false, FileVerdict.Changed)]
    [InlineData("grew", 100L, 200, -60.0, false, FileVerdict.Changed)]
    [InlineData("touched since", 100L, 100, -59.5, false, FileVerdict.Changed)]
    [InlineData("untouched long before", 100L, 100, -60.0, false, FileVerdict.Unchanged)]
    [InlineData("stamped as the parent began", 100L, 100, -0.5, false, FileVerdict.InDoubt)]
    [InlineData("stamped while the parent read", 100L, 100, 3.0, false, FileVerdict.InDoubt)]
    [InlineData("full parent, same second", 100L, 100, -60.0, true, FileVerdict.Unchanged)]
    [InlineData("full parent, second of its start", 100L, 100, 0.0, true, FileVerdict.InDoubt)]
    public void Verdict(string why, long? parentSize, long size, double secondsFromParentStart, bool fullParent, FileVerdict expected)
    {
        var stamped = ParentStart.AddSeconds(secondsFromParentStart);
        var now = new ScannedFile("base/5/16384", size, why == "touched since" ? stamped.AddTicks(1) : stamped.AddTicks(fullParent ? 4321 : 0));
        var before = parentSize is { } known ? new DatabaseFile("base/5/16384", known, stamped, "ab", "parent") : null;
        var parent = new DatabaseFileList("parent", null, ParentStart, [], before is null ? [] : [before], SecondPrecision: fullParent);
        Assert.Equal(expected, ChangedFiles.Judge(now, before, parent));
    }
}
