using System.IO.Pipelines;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// The bytes of a base backup's archive, however it is stored: parts fetched and checked ahead of the reader
/// (<see cref="PartedArchive"/>), or — for backups taken before parts — the one object streamed through a pipe while
/// the store hashes it, its verdict known only at the end (<see cref="DisposeAsync"/> throws it).
/// </summary>
internal sealed class ArchiveReader : IAsyncDisposable
{
    /// <summary>Parts fetched ahead: enough to keep both cores busy checking while one decompresses; memory is this many parts.</summary>
    private const int PartsAhead = 3;

    private readonly Pipe? pipe;
    private readonly Task download;
    private bool disposed;

    private ArchiveReader(Stream stream, Pipe? pipe, Task download) => (Stream, this.pipe, this.download) = (stream, pipe, download);

    public Stream Stream { get; }

    public static ArchiveReader Open(IObjectStore store, BackupManifest backup, CancellationToken cancellationToken)
    {
        if (backup.Parts is { } parts)
        {
            return new ArchiveReader(PartedArchive.OpenRead(store, parts, PartsAhead), null, Task.CompletedTask);
        }

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16 << 20, resumeWriterThreshold: 8 << 20, minimumSegmentSize: 1 << 20));
        var download = Task.Run(async () =>
        {
            try
            {
                await using var writer = pipe.Writer.AsStream();
                await store.ReadVerifiedAsync(backup.ArchiveKey, writer, cancellationToken);
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, cancellationToken);
        return new ArchiveReader(pipe.Reader.AsStream(), pipe, download);
    }

    /// <summary>After a failed read: stops the transfer and returns the store's verdict if the bytes were corrupt, which explains a broken stream
    /// best.</summary>
    public async Task<Exception?> FailureAsync()
    {
        if (pipe is not null)
        {
            await pipe.Reader.CompleteAsync(); // stops the download if extraction gave up first
        }

        try
        {
            await DisposeAsync();
            return null;
        }
        catch (ChecksumMismatchException e)
        {
            return e;
        }
        catch (Exception)
        {
            return null; // the transfer only failed because the reader stopped
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        try
        {
            await download; // first: the pipe's last bytes (tar padding) may still be on their way, and the verdict comes with them
        }
        finally
        {
            await Stream.DisposeAsync();
        }
    }
}
