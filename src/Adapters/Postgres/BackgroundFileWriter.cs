using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Writes the restored files on a task of its own, so decompression (one stream: it cannot be split) runs on
/// one core while the writes run on another. Each few megabytes of a file are handed to the kernel's writeback
/// at once (sync_file_range WRITE, which does not wait), so the disk works during the restore and the flush at
/// the end finds little left. Memory is bounded: the reader waits when <see cref="InFlight"/> chunks are queued.
/// </summary>
internal sealed class BackgroundFileWriter : IAsyncDisposable
{
    private const int ChunkBytes = 1 << 20;
    private const int InFlight = 32;
    private const long WritebackEvery = 8L << 20;
    private const uint SyncFileRangeWrite = 2;

    // Its own pool: the shared one keeps few arrays this large, and every miss would be a new large-object allocation.
    private readonly ArrayPool<byte> buffers = ArrayPool<byte>.Create(ChunkBytes, InFlight + 2);
    private readonly Channel<Work> queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(InFlight) { SingleReader = true, SingleWriter = true });
    private readonly BackgroundFsync? fsync;
    private readonly Task worker;
    private bool canStartWriteback = OperatingSystem.IsLinux();
    private volatile Exception? failed;

    /// <param name="fsync">Where closed files go to be flushed; null when the caller syncs the whole directory itself.</param>
    public BackgroundFileWriter(BackgroundFsync? fsync)
    {
        this.fsync = fsync;
        worker = Task.Run(WriteAllAsync);
    }

    /// <summary>Reads <paramref name="source"/> to its end and queues it as the content of a new file at <paramref name="path"/>.</summary>
    public async Task WriteFileAsync(string path, long length, Stream? source, UnixFileMode mode, CancellationToken cancellationToken)
    {
        if (failed is { } earlier)
        {
            throw Failure(earlier); // stop reading the archive as soon as a write failed
        }

        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, length);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(handle, mode);
        }

        long offset = 0;
        try
        {
            while (source is not null)
            {
                var buffer = buffers.Rent(ChunkBytes);
                var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, ChunkBytes), ChunkBytes, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    buffers.Return(buffer);
                    break;
                }

                await queue.Writer.WriteAsync(new Work(handle, path, buffer, read, offset, Close: false), cancellationToken);
                offset += read;
            }
        }
        finally
        {
            await queue.Writer.WriteAsync(new Work(handle, path, null, 0, offset, Close: true), CancellationToken.None);
        }
    }

    /// <summary>Waits for every queued write; a write that failed fails here.</summary>
    public async Task CompleteAsync()
    {
        queue.Writer.TryComplete();
        await worker;
        if (failed is { } error)
        {
            throw Failure(error);
        }
    }

    /// <summary>Stops after what is queued, without throwing: the caller is already failing.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await worker;
    }

    private static IOException Failure(Exception e) => new($"writing the restored files failed: {e.Message}", e);

    private async Task WriteAllAsync()
    {
        long startedUpTo = 0;
        await foreach (var work in queue.Reader.ReadAllAsync())
        {
            try
            {
                if (failed is not null)
                {
                    continue; // drain, so the reader never waits on a full queue
                }

                if (work.Close)
                {
                    work.Handle.Dispose();
                    fsync?.Enqueue(work.Path);
                    startedUpTo = 0;
                    continue;
                }

                RandomAccess.Write(work.Handle, work.Buffer!.AsSpan(0, work.Length), work.Offset);
                var end = work.Offset + work.Length;
                if (canStartWriteback && end - startedUpTo >= WritebackEvery)
                {
                    // Not every file system supports it; then the flush at the end does all the work.
                    canStartWriteback = SyncFileRange(work.Handle, startedUpTo, end - startedUpTo, SyncFileRangeWrite) == 0;
                    startedUpTo = end;
                }
            }
            catch (Exception e)
            {
                failed ??= e;
            }
            finally
            {
                if (work.Buffer is not null)
                {
                    buffers.Return(work.Buffer);
                }

                if (work.Close && !work.Handle.IsClosed)
                {
                    work.Handle.Dispose();
                }
            }
        }
    }

    private readonly record struct Work(SafeFileHandle Handle, string Path, byte[]? Buffer, int Length, long Offset, bool Close);

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(SafeHandle fd, long offset, long nbytes, uint flags);
}
