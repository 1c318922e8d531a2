using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A page-level incremental of one relation segment, as pg_probackup's DELTA mode takes one (PostgreSQL 17 stores changed
/// blocks too, but finds them in WAL summaries): only the 8 KiB pages whose LSN is at or past the parent backup's start (changed
/// since the parent began), and every page past the parent's end. A page with an older LSN was not changed since the parent
/// started (every change of a main-fork page is WAL-logged and stamps it), so the parent's copy of it stands; a page changed while
/// it is read here is rewritten by WAL replay from this backup's start (full-page writes are on during a backup), as in a
/// whole-file copy. Only main-fork segments qualify: the visibility map's bits are cleared without a new LSN, and the free-space
/// map is not WAL-logged; both are copied whole.
/// </summary>
/// <remarks>
/// Stored as one archive entry named <c>{path}.pagedelta</c>: the magic, the file's size, the page count n, n block numbers
/// (ascending) and the n pages. A restore writes each page once, from the newest member holding it (<see cref="PatchedFileWriter"/>).
/// </remarks>
public static partial class PageDelta
{
    public const int PageBytes = 8192;

    public const string EntrySuffix = ".pagedelta";

    private const ulong Magic = 0x3144504452445244; // "DRDRDPD1" as stored (little-endian)

    private const int HeaderBytes = 8 + 8 + 4;

    /// <summary>A main-fork relation segment (base/DB/REL, base/DB/REL.N, global/REL, tablespaces alike): the files that can be stored by page.</summary>
    public static bool IsCandidate(string path) => MainForkSegment().IsMatch(path);

    /// <summary>
    /// The blocks of <paramref name="path"/> changed since <paramref name="sinceLsn"/>: page LSN at or past it, or beyond the parent's
    /// <paramref name="parentSize"/>. Reads up to <paramref name="size"/> (what the listing saw); pages cut short by a shrink count as changed.
    /// </summary>
    public static async Task<IReadOnlyList<int>> ChangedBlocksAsync(string path, long size, long parentSize, ulong sinceLsn,
        CancellationToken cancellationToken)
    {
        var blocks = new List<int>();
        var buffer = new byte[128 * PageBytes];
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
        var parentBlocks = parentSize / PageBytes;
        for (long offset = 0; offset < size; offset += buffer.Length)
        {
            var wanted = (int)Math.Min(buffer.Length, size - offset);
            var read = await file.ReadAtLeastAsync(buffer.AsMemory(0, wanted), wanted, throwOnEndOfStream: false, cancellationToken);
            for (var page = 0; page * PageBytes < wanted; page++)
            {
                var block = (int)(offset / PageBytes) + page;
                var at = page * PageBytes;
                if (block >= parentBlocks || at + PageBytes > read || PageLsn(buffer.AsSpan(at, 8)) >= sinceLsn)
                {
                    blocks.Add(block);
                }
            }
        }

        return blocks;
    }

    /// <summary>pd_lsn, the first field of every page header: the WAL position of the page's last change (two 32-bit halves, high first).</summary>
    public static ulong PageLsn(ReadOnlySpan<byte> header) =>
        ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(header) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);

    public static long EntryLength(int pages) => HeaderBytes + 4L * pages + (long)PageBytes * pages;

    /// <summary>The archive entry's bytes: the header and block numbers, then each listed page as it reads now (zeros past a shrunk end).</summary>
    public static Stream Open(string path, long size, IReadOnlyList<int> blocks)
    {
        var header = new byte[HeaderBytes + 4 * blocks.Count];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), size);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), blocks.Count);
        for (var i = 0; i < blocks.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(HeaderBytes + 4 * i), blocks[i]);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: false);
        return new PageDeltaStream(header, file, blocks);
    }

    /// <summary>Reads a delta entry's header: the file's size at that backup and the blocks whose pages follow, in order.</summary>
    /// <exception cref="InvalidDataException">The entry is not a page delta, or is cut short.</exception>
    public static async Task<(long Size, int[] Blocks)> ReadHeaderAsync(Stream entry, string name, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        await entry.ReadExactlyAsync(header, cancellationToken);
        if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
        {
            throw new InvalidDataException($"the page delta of {name} does not start with its magic");
        }

        var size = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
        var count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16));
        if (size < 0 || count < 0 || (long)count * PageBytes > size + PageBytes)
        {
            throw new InvalidDataException($"the page delta of {name} claims {count} pages of a {size}-byte file");
        }

        var numbers = new byte[4 * count];
        await entry.ReadExactlyAsync(numbers, cancellationToken);
        var blocks = new int[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = BinaryPrimitives.ReadInt32LittleEndian(numbers.AsSpan(4 * i));
            if (blocks[i] < 0 || (long)blocks[i] * PageBytes + PageBytes > size)
            {
                throw new InvalidDataException($"the page delta of {name} holds block {blocks[i]}, past its {size} bytes");
            }
        }

        return (size, blocks);
    }

    [GeneratedRegex(@"^(base/[0-9]+|global|pg_tblspc/[0-9]+/[^/]+/[0-9]+)/[0-9]+(\.[0-9]+)?$")]
    private static partial Regex MainForkSegment();

    /// <summary>The entry's bytes, read as the tar writer asks: the header, then the pages one by one from the file.</summary>
    private sealed class PageDeltaStream(byte[] header, FileStream file, IReadOnlyList<int> blocks) : TarEntrySource
    {
        private readonly byte[] page = new byte[PageBytes];
        private int pageInBuffer = -1;

        public override long Length => header.Length + (long)PageBytes * blocks.Count;

        public override int Read(Span<byte> buffer)
        {
            var position = Position;
            if (position >= Length || buffer.Length == 0)
            {
                return 0;
            }

            int copied;
            if (position < header.Length)
            {
                copied = Math.Min(buffer.Length, header.Length - (int)position);
                header.AsSpan((int)position, copied).CopyTo(buffer);
            }
            else
            {
                var index = (int)((position - header.Length) / PageBytes);
                var within = (int)((position - header.Length) % PageBytes);
                if (pageInBuffer != index)
                {
                    var read = RandomAccess.Read(file.SafeFileHandle, page, (long)blocks[index] * PageBytes);
                    page.AsSpan(read).Clear(); // shrunk since it was listed: WAL replay truncates it again
                    pageInBuffer = index;
                }

                copied = Math.Min(buffer.Length, PageBytes - within);
                page.AsSpan(within, copied).CopyTo(buffer);
            }

            return Advance(copied);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
