using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// A relation file with two deltas in its chain, restored as a chain restore reads them, newest member first: the newer delta's
/// pages win over the older's and the whole copy's, every page is written once (the file's size in bytes, not the sum of what the
/// members hold), the file grows to its size at the newest backup; a page that no member holds fails the restore.
/// </summary>
public sealed class A_patched_file_is_written_once_per_page_newest_member_first_test : IDisposable
{
    private const int Page = PageDelta.PageBytes;
    private readonly string root = RepoPaths.NewTempDirectory("patched-file");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task The_newest_copy_of_each_page_is_written_and_no_page_twice()
    {
        // Whole copy: pages 0-5. Older delta: pages 1, 2 and a new page 6. Newer delta: pages 2 and 3.
        var whole = Pages(10, 11, 12, 13, 14, 15);
        var older = Delta(7 * Page, (1, 21), (2, 22), (6, 26));
        var newer = Delta(7 * Page, (2, 32), (3, 33));
        var writer = new PatchedFileWriter(root, new Dictionary<string, long> { ["base/5/16384"] = 7 * Page }, sync: false);
        Directory.CreateDirectory(Path.Combine(root, "base/5"));

        await writer.ApplyDeltaAsync("base/5/16384", newer, CancellationToken.None);
        await writer.ApplyDeltaAsync("base/5/16384", older, CancellationToken.None);
        await writer.WriteWholeAsync("base/5/16384", new MemoryStream(whole), whole.Length, CancellationToken.None);
        writer.EnsureComplete("incr-2");

        Assert.Equal(Pages(10, 21, 32, 33, 14, 15, 26), await File.ReadAllBytesAsync(Path.Combine(root, "base/5/16384")));
        Assert.Equal(7L * Page, writer.WrittenBytes); // the members hold 11 pages of it
    }

    [Fact]
    public async Task A_page_no_member_holds_fails_the_restore()
    {
        var writer = new PatchedFileWriter(root, new Dictionary<string, long> { ["rel"] = 4 * Page }, sync: false);
        await writer.ApplyDeltaAsync("rel", Delta(4 * Page, (3, 9)), CancellationToken.None);
        await writer.WriteWholeAsync("rel", new MemoryStream(Pages(1, 2)), 2 * Page, CancellationToken.None);

        var error = Assert.Throws<CorruptDataException>(() => writer.EnsureComplete("incr-7"));
        Assert.Contains("page 2 of rel", error.Message);
    }

    [Fact]
    public async Task A_delta_larger_than_the_file_it_patches_is_refused()
    {
        var writer = new PatchedFileWriter(root, new Dictionary<string, long> { ["rel"] = 2 * Page }, sync: false);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => writer.ApplyDeltaAsync("rel", Delta(3 * Page, (2, 1)), CancellationToken.None));
        Assert.Contains("larger than its", error.Message);
    }

    private static byte[] Pages(params byte[] fills) => fills.SelectMany(f => Enumerable.Repeat(f, Page)).ToArray();

    /// <summary>A delta entry as the backup stores one, made from a file whose listed pages hold the given fills.</summary>
    private MemoryStream Delta(long size, params (int Block, byte Fill)[] pages)
    {
        var source = Path.Combine(root, $"source-{Guid.NewGuid():N}");
        var bytes = new byte[size];
        foreach (var (block, fill) in pages)
        {
            Array.Fill(bytes, fill, block * Page, Page);
        }

        File.WriteAllBytes(source, bytes);
        var entry = new MemoryStream();
        using (var delta = PageDelta.Open(source, size, pages.Select(p => p.Block).ToList()))
        {
            delta.CopyTo(entry);
        }

        entry.Position = 0;
        return entry;
    }
}
