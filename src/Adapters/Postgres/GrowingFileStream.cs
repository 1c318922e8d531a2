using System.Runtime.InteropServices;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Reads a file while another process is still writing it, until that process exits, and gives the space
/// of what has been read back to the file system (punches holes) as it goes: the file never holds more
/// than what the store has not consumed yet. Used to stream pg_basebackup's server-compressed output,
/// which it will only write to a directory.
/// </summary>
internal sealed class GrowingFileStream : Stream
{
    private const int PunchHoleKeepSize = 0x02 | 0x01; // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
    private const long PunchEvery = 8L << 20;
    private readonly FileStream file;
    private readonly Func<bool> writerExited;
    private long position;
    private long punched;
    private bool canPunch = OperatingSystem.IsLinux();

    private GrowingFileStream(FileStream file, Func<bool> writerExited)
    {
        this.file = file;
        this.writerExited = writerExited;
    }

    /// <summary>Waits for the writer to create <paramref name="path"/>; null if it exits first.</summary>
    public static async Task<GrowingFileStream?> OpenAsync(string path, Func<bool> writerExited, CancellationToken cancellationToken)
    {
        while (!File.Exists(path))
        {
            if (writerExited())
            {
                return File.Exists(path) ? Open(path, writerExited) : null;
            }

            await Task.Delay(10, cancellationToken);
        }

        return Open(path, writerExited);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Check "exited" before reading: a read of 0 after the writer has exited is the real end.
            var exited = writerExited();
            var read = await file.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                position += read;
                PunchBehind();
                return read;
            }

            if (exited)
            {
                return 0;
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    private static GrowingFileStream Open(string path, Func<bool> writerExited) =>
        new(new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1 << 20), writerExited);

    private void PunchBehind()
    {
        var upTo = position / PunchEvery * PunchEvery;
        if (!canPunch || upTo <= punched)
        {
            return;
        }

        // Not every file system punches holes (then the file keeps its size until it is deleted).
        canPunch = Fallocate((int)file.SafeFileHandle.DangerousGetHandle(), PunchHoleKeepSize, punched, upTo - punched) == 0;
        punched = upTo;
    }

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static extern int Fallocate(int fd, int mode, long offset, long length);
}
