using System.Formats.Tar;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// An incremental's archive is a sequence of zstd frames, a large entry in a frame of its own and small ones sharing one, listed in
/// its manifest. A chain restore reads an older member's frames but decompresses only those holding an entry it takes: what comes out
/// is still one tar of whole entries, the rest is passed over. A frame list that does not cover the archive, or an archive that ends
/// inside a frame, is corrupt.
/// </summary>
public sealed class An_old_members_frames_are_passed_over_unless_the_restore_takes_from_them_test
{
    private static readonly (string Name, int Length)[] Entries =
    [
        ("global/pg_control", 8192), ("base/5/1259", 16384), ("base/5/16384", 3 << 20), ("base/5/2619", 40000),
        ("base/5/16390.pagedelta", 2 << 20), ("backup_label", 230),
    ];

    [Fact]
    public async Task Large_entries_get_frames_of_their_own_and_the_end_blocks_the_last()
    {
        var (archive, frames) = await WriteAsync();
        SelectedFrames.EnsureCover(frames, archive.Length, "b1");
        Assert.Equal(
            ["global/pg_control|base/5/1259", "base/5/16384", "base/5/2619", "base/5/16390.pagedelta", "backup_label", ""],
            frames.Select(f => string.Join('|', f.Entries)));
        Assert.Equal(await ReadAsync(archive, frames, _ => true), Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Frames_without_a_taken_entry_are_read_past_not_decompressed()
    {
        var (archive, frames) = await WriteAsync();
        var taken = new HashSet<string> { "base/5/1259", "base/5/2619" };
        var selected = new SelectedFrames(new MemoryStream(archive), frames, taken.Contains, "b1");
        var names = await ReadAsync(selected);

        // A frame comes whole: pg_control shares the catalog's; the two large entries and the label were never decompressed.
        Assert.Equal(["global/pg_control", "base/5/1259", "base/5/2619"], names);
        Assert.Equal(frames.Where(f => f.Entries.Count > 0 && !f.Entries.Any(taken.Contains)).Sum(f => f.Length), selected.SkippedBytes);
        Assert.True(selected.SkippedBytes > archive.Length / 2, $"{selected.SkippedBytes} of {archive.Length} compressed bytes passed over");
    }

    [Fact]
    public async Task Frames_that_do_not_cover_the_archive_are_corrupt()
    {
        var (archive, frames) = await WriteAsync();
        var gap = frames.Select((f, i) => i == 2 ? f with { Offset = f.Offset + 1 } : f).ToList();
        Assert.Contains("does not follow", Assert.Throws<CorruptDataException>(() => SelectedFrames.EnsureCover(gap, archive.Length, "b1")).Message);
        Assert.Contains("cover", Assert.Throws<CorruptDataException>(() => SelectedFrames.EnsureCover(frames, archive.Length + 7, "b1")).Message);

        var cut = archive[..(int)(frames[2].Offset + frames[2].Length / 2)];
        var error = await Assert.ThrowsAsync<CorruptDataException>(() => ReadAsync(cut, frames, _ => false));
        Assert.Contains("ends inside frame 3", error.Message);
        var longer = archive.Concat(new byte[9]).ToArray();
        Assert.Contains("past the last frame", (await Assert.ThrowsAsync<CorruptDataException>(() => ReadAsync(longer, frames, _ => true))).Message);
    }

    private static async Task<(byte[] Archive, IReadOnlyList<ArchiveFrame> Frames)> WriteAsync()
    {
        var output = new MemoryStream();
        using var options = new ZstdNet.CompressionOptions(3);
        var framed = new FramedCompressionStream(output, options, options);
        await using (framed)
        await using (var tar = new TarWriter(framed, TarEntryFormat.Pax, leaveOpen: true))
        {
            var random = new Random(28);
            foreach (var (name, length) in Entries)
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                await framed.BeginEntryAsync(name, length);
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
                await framed.EndEntryAsync();
            }

            await framed.EndFrameAsync(); // as the backup does: the end-of-archive blocks alone
        }

        return (output.ToArray(), framed.Frames);
    }

    private static Task<List<string>> ReadAsync(byte[] archive, IReadOnlyList<ArchiveFrame> frames, Func<string, bool> taken) =>
        ReadAsync(new SelectedFrames(new MemoryStream(archive), frames, taken, "b1"));

    private static async Task<List<string>> ReadAsync(Stream compressed)
    {
        var names = new List<string>();
        await using var zstd = new ZstdNet.DecompressionStream(compressed);
        await using var tar = new TarReader(zstd);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            names.Add(entry.Name);
        }

        // Drains what follows the end blocks, so a frame list that ends early or late is found out.
        await compressed.CopyToAsync(Stream.Null);
        return names;
    }
}
