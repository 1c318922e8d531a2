using System.Buffers.Binary;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// The page-delta rule on a made-up relation file: a page stamped before the parent's start LSN is left out, one stamped at or
/// after it is kept, every page past the parent's end is kept whatever its stamp (a new page may not be stamped yet); the delta
/// and then the parent's copy where it left pages out give the file as it is now, grown to its size. Only main-fork segments are stored by page.
/// </summary>
public sealed class A_page_older_than_the_parent_is_left_out_and_one_past_its_end_is_kept_test : IDisposable
{
    private readonly string root = RepoPaths.NewTempDirectory("page-delta");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("base/5/16384", true)]
    [InlineData("base/5/16384.3", true)]
    [InlineData("global/1262", true)]
    [InlineData("pg_tblspc/16500/PG_15_202209061/5/16384", true)]
    [InlineData("base/5/16384_vm", false)] // its bits are cleared without a new LSN
    [InlineData("base/5/16384_fsm", false)]
    [InlineData("base/5/16384_init", false)]
    [InlineData("global/pg_control", false)]
    [InlineData("pg_xact/0000", false)]
    [InlineData("base/5/PG_VERSION", false)]
    public void Only_main_fork_segments_are_stored_by_page(string path, bool byPage) => Assert.Equal(byPage, PageDelta.IsCandidate(path));

    [Fact]
    public async Task The_delta_over_the_parents_copy_is_the_file_as_it_is_now()
    {
        var since = (ulong)Lsn.Bytes("1/2000"); // as the writer reads the parent's start
        Assert.Equal(0x1_0000_2000UL, since);
        Assert.Throws<BadInputException>(() => Lsn.Bytes("12000"));

        // The parent saw 4 pages; since then pages 1 and 3 were changed, and pages 4 and 5 appended (5 not stamped yet).
        var parent = new[] { Page(0x0_9000_0000, 1), Page(0x0_9000_0000, 2), Page(0x0_9000_0000, 3), Page(0x0_9000_0000, 4) };
        var now = new[] { parent[0], Page(0x1_0000_2000, 20), parent[2], Page(0x1_0000_5000, 40), Page(0x1_0000_6000, 50), Page(0, 0) };
        var live = Path.Combine(root, "live");
        await File.WriteAllBytesAsync(live, now.SelectMany(p => p).ToArray());
        var blocks = await PageDelta.ChangedBlocksAsync(live, now.Length * PageDelta.PageBytes, parent.Length * PageDelta.PageBytes, since,
            CancellationToken.None);
        Assert.Equal([1, 3, 4, 5], blocks);

        var entry = new MemoryStream();
        await using (var delta = PageDelta.Open(live, now.Length * PageDelta.PageBytes, blocks))
        {
            Assert.Equal(PageDelta.EntryLength(blocks.Count), delta.Length);
            await delta.CopyToAsync(entry);
        }

        // A restore reads the newest member first: the delta, then the parent's whole copy where the delta left pages out.
        var parentBytes = parent.SelectMany(p => p).ToArray();
        var restored = new PatchedFileWriter(root, new Dictionary<string, long> { ["restored"] = now.Length * PageDelta.PageBytes }, sync: false);
        entry.Position = 0;
        await restored.ApplyDeltaAsync("restored", entry, CancellationToken.None);
        await restored.WriteWholeAsync("restored", new MemoryStream(parentBytes), parentBytes.Length, CancellationToken.None);
        restored.EnsureComplete("b2");
        Assert.Equal(await File.ReadAllBytesAsync(live), await File.ReadAllBytesAsync(Path.Combine(root, "restored")));

        // A cut-short entry fails the restore instead of leaving a file short of pages.
        var cut = new MemoryStream(entry.ToArray()[..(int)(entry.Length - 100)]);
        var again = new PatchedFileWriter(root, new Dictionary<string, long> { ["again"] = now.Length * PageDelta.PageBytes }, sync: false);
        await Assert.ThrowsAsync<EndOfStreamException>(() => again.ApplyDeltaAsync("again", cut, CancellationToken.None));
    }

    /// <summary>A page whose header says <paramref name="lsn"/>, filled with <paramref name="fill"/>.</summary>
    private static byte[] Page(ulong lsn, byte fill)
    {
        var page = Enumerable.Repeat(fill, PageDelta.PageBytes).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(page, (uint)(lsn >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(4), (uint)lsn);
        return page;
    }
}
