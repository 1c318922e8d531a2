using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// The compressed bytes of the frames a restore needs from a framed archive (<see cref="FramedCompressionStream"/>), in order; the
/// other frames are read past (their parts are still fetched and checked), not decompressed. The frames kept are one zstd stream of
/// whole tar entries, and the end-of-archive frame is always kept. An archive that ends inside a frame, or goes on past the last one,
/// does not match its manifest's frame list.
/// </summary>
/// <param name="archive">The archive's bytes (left open).</param>
/// <param name="needed">Whether the restore takes the tar entry of that name.</param>
internal sealed class SelectedFrames(Stream archive, IReadOnlyList<ArchiveFrame> frames, Func<string, bool> needed, string backupId) : Stream
{
    private readonly byte[] skipped = new byte[1 << 16];
    private int next;
    private long left;
    private bool keep;

    /// <summary>Compressed bytes read past, not decompressed.</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>Frames that make sense of an archive of <paramref name="archiveBytes"/>: one after the other from its first byte to its last.</summary>
    public static void EnsureCover(IReadOnlyList<ArchiveFrame> frames, long archiveBytes, string backupId)
    {
        var at = 0L;
        foreach (var frame in frames)
        {
            if (frame.Offset != at || frame.Length <= 0 || frame.Entries is null)
            {
                throw new CorruptDataException($"backup {backupId}: its manifest's frame at {frame.Offset} does not follow the one before it (at {at})");
            }

            at += frame.Length;
        }

        if (at != archiveBytes)
        {
            throw new CorruptDataException($"backup {backupId}: its manifest's frames cover {at} bytes of its {archiveBytes}-byte archive");
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (left == 0)
            {
                if (next == frames.Count)
                {
                    if (await archive.ReadAsync(skipped.AsMemory(0, 1), cancellationToken) != 0)
                    {
                        throw new CorruptDataException($"backup {backupId}: its archive goes on past the last frame its manifest lists");
                    }

                    return 0;
                }

                var frame = frames[next++];
                (left, keep) = (frame.Length, frame.Entries.Count == 0 || frame.Entries.Any(needed));
                continue;
            }

            var into = keep ? buffer : skipped.AsMemory();
            var read = await archive.ReadAsync(into[..(int)Math.Min(into.Length, left)], cancellationToken);
            if (read == 0)
            {
                throw new CorruptDataException($"backup {backupId}: its archive ends inside frame {next} of the {frames.Count} its manifest lists");
            }

            left -= read;
            if (keep)
            {
                return read;
            }

            SkippedBytes += read;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
