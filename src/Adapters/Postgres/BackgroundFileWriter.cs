using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Writes the restored files on threads of their own while the archive is being decompressed: the reader hands
/// over 1 MiB chunks, <see cref="Writers"/> threads write them (with O_DIRECT where the file system allows it:
/// <see cref="DirectFile"/>; a direct write waits for the disk, so two keep it busier than one), and a file is
/// closed by whoever finishes its last chunk. Written buffered instead, each few megabytes of a file are handed to
/// the kernel's writeback at once (sync_file_range WRITE, which does not wait). Memory is bounded: the reader waits
/// when <see cref="InFlight"/> chunks are queued.
/// </summary>
internal sealed class BackgroundFileWriter : IAsyncDisposable
{
    private const int ChunkBytes = 1 << 20;
    private const int InFlight = 32;
    private const int Writers = 2;
    private const long WritebackEvery = 8L << 20;

    // Its own pool of aligned buffers; at most InFlight + Writers + 1 are out at once.
    private readonly AlignedBuffers buffers = new(ChunkBytes);
    private readonly Channel<Chunk> queue = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(InFlight) { SingleWriter = true });
    private readonly BackgroundFsync? fsync;
    private readonly bool direct;
    private readonly Task[] writers;
    private volatile bool canStartWriteback = OperatingSystem.IsLinux();
    private volatile Exception? failed;

    /// <param name="fsync">Where finished files go to be flushed; null when the caller syncs the whole directory itself.</param>
    /// <param name="direct">Write with O_DIRECT where the file system allows it.</param>
    public BackgroundFileWriter(BackgroundFsync? fsync, bool direct = true)
    {
        this.fsync = fsync;
        this.direct = direct;
        // Dedicated threads: every write blocks until the disk took it, which must not hold the thread pool's few threads.
        writers = Enumerable.Range(0, Writers).Select(_ => Task.Factory.StartNew(WriteAll, CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
    }

    /// <summary>Reads <paramref name="source"/> to its end and queues it as the content of a new file at <paramref name="path"/>.</summary>
    public async Task WriteFileAsync(string path, long length, Stream? source, UnixFileMode mode, CancellationToken cancellationToken)
    {
        if (failed is { } earlier)
        {
            throw Failure(earlier); // stop reading the archive as soon as a write failed
        }

        var (handle, aligned) = DirectFile.Create(path, length, mode, direct);
        var file = new OpenFile(handle, path, aligned);
        try
        {
            while (source is not null)
            {
                var buffer = buffers.Rent();
                var read = await source.ReadAtLeastAsync(buffer, ChunkBytes, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    buffers.Return(buffer);
                    break;
                }

                Interlocked.Increment(ref file.Pending);
                await queue.Writer.WriteAsync(new Chunk(file, buffer, read, file.Length), cancellationToken);
                file.Length += read;
            }
        }
        finally
        {
            Release(file); // the reader's own reference: the file is finished once its chunks are written too
        }
    }

    /// <summary>Waits for every queued write; a write that failed fails here.</summary>
    public async Task CompleteAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
        if (failed is { } error)
        {
            throw Failure(error);
        }
    }

    /// <summary>Stops after what is queued, without throwing: the caller is already failing.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers);
    }

    private static IOException Failure(Exception e) => new($"writing the restored files failed: {e.Message}", e);

    private void WriteAll()
    {
        while (queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (queue.Reader.TryRead(out var chunk))
            {
                try
                {
                    if (failed is null) // after a failure: drain, so the reader never waits on a full queue
                    {
                        Write(chunk);
                    }
                }
                catch (Exception e)
                {
                    failed ??= e;
                }
                finally
                {
                    buffers.Return(chunk.Buffer);
                    Release(chunk.File);
                }
            }
        }
    }

    private void Write(Chunk chunk)
    {
        var file = chunk.File;
        var buffer = chunk.Buffer.Span;
        if (file.Direct)
        {
            var padded = DirectFile.Padded(chunk.Length);
            buffer[chunk.Length..padded].Clear();
            RandomAccess.Write(file.Handle, buffer[..padded], chunk.Offset);
            return; // nothing waits in the page cache: no writeback to start
        }

        RandomAccess.Write(file.Handle, buffer[..chunk.Length], chunk.Offset);
        var (start, end) = (chunk.Offset / WritebackEvery, (chunk.Offset + chunk.Length) / WritebackEvery);
        if (canStartWriteback && end > start)
        {
            // Not every file system supports it; then the flush at the end does all the work.
            canStartWriteback = PageCache.StartWriteback(file.Handle, (end - 1) * WritebackEvery, WritebackEvery);
        }
    }

    /// <summary>Drops one reference to <paramref name="file"/>; the last one closes it.</summary>
    private void Release(OpenFile file)
    {
        if (Interlocked.Decrement(ref file.Pending) != 0)
        {
            return;
        }

        try
        {
            if (file.Direct && file.Length % DirectFile.Alignment != 0 && failed is null)
            {
                RandomAccess.SetLength(file.Handle, file.Length); // the last chunk was padded to a whole block
            }
        }
        catch (Exception e)
        {
            failed ??= e;
        }
        finally
        {
            file.Handle.Dispose();
        }

        if (failed is null)
        {
            fsync?.Enqueue(file.Path);
        }
    }

    /// <summary>A file being written. <see cref="Pending"/>: its queued chunks, plus one while the reader still adds to it.</summary>
    private sealed class OpenFile(SafeFileHandle handle, string path, bool direct)
    {
        public int Pending = 1;

        public SafeFileHandle Handle { get; } = handle;

        public string Path { get; } = path;

        public bool Direct { get; } = direct;

        /// <summary>Bytes handed over so far; final once the reader released the file.</summary>
        public long Length { get; set; }
    }

    private readonly record struct Chunk(OpenFile File, Memory<byte> Buffer, int Length, long Offset);
}
