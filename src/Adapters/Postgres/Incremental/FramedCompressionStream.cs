using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A tar.zst written as independent zstd frames: a frame ends after the tar entry that brings it to <see cref="FrameBytes"/>, and
/// before an entry that large, so a large file is a frame of its own. The frames together are still one valid zstd stream; their list
/// (<see cref="Frames"/>: offset, length, entries) lets a chain restore decompress only what it takes from each member
/// (<see cref="SelectedFrames"/>): most of an older member's bytes are files and pages a later member stored again.
/// </summary>
/// <param name="output">Receives the compressed bytes; left open.</param>
/// <param name="small">Compresses a frame of small entries.</param>
/// <param name="large">Compresses a large entry's own frame (where a multi-threaded compressor pays off).</param>
internal sealed class FramedCompressionStream(Stream output, ZstdNet.CompressionOptions small, ZstdNet.CompressionOptions large) : WriteOnlyStream
{
    /// <summary>Small entries share a frame up to this many uncompressed bytes: a frame restarts the compressor's window.</summary>
    public const long FrameBytes = 1 << 20;

    private readonly Counted compressed = new(output);
    private readonly List<ArchiveFrame> frames = [];
    private readonly List<string> entries = [];
    private ZstdNet.CompressionStream? frame;
    private long frameStart;
    private long frameBytes;
    private bool largeEntry;

    /// <summary>Complete once the stream is disposed.</summary>
    public IReadOnlyList<ArchiveFrame> Frames => frames;

    /// <summary>Before the tar writer writes the entry named <paramref name="name"/> of <paramref name="length"/> bytes.</summary>
    public async Task BeginEntryAsync(string name, long length)
    {
        largeEntry = length >= FrameBytes;
        if (largeEntry)
        {
            await EndFrameAsync();
        }

        entries.Add(name);
    }

    /// <summary>After the tar writer wrote the entry (its header, bytes and padding).</summary>
    public async Task EndEntryAsync()
    {
        if (frameBytes >= FrameBytes)
        {
            await EndFrameAsync();
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Frame().Write(buffer);
        frameBytes += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Frame().WriteAsync(buffer, cancellationToken);
        frameBytes += buffer.Length;
    }

    public override async ValueTask DisposeAsync()
    {
        await EndFrameAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            EndFrameAsync().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private ZstdNet.CompressionStream Frame() => frame ??= new ZstdNet.CompressionStream(compressed, largeEntry ? large : small, 1 << 20);

    /// <summary>Ends the frame being written (if any): what is written next starts a new one. Before the tar writer's end-of-archive blocks,
    /// so they are a frame of their own that every restore keeps.</summary>
    public async Task EndFrameAsync()
    {
        if (frame is null)
        {
            return;
        }

        await frame.DisposeAsync(); // writes the frame's epilogue
        frame = null;
        frames.Add(new ArchiveFrame(frameStart, compressed.Written - frameStart, [.. entries]));
        entries.Clear();
        (frameStart, frameBytes) = (compressed.Written, 0);
    }

    /// <summary>Counts what goes through; disposing it leaves the output open for the next frame.</summary>
    private sealed class Counted(Stream inner) : WriteOnlyStream
    {
        public long Written { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Written += buffer.Length;
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    }
}
