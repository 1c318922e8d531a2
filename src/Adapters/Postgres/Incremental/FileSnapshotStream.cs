using System.Security.Cryptography;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A file read as exactly the size it was listed with, for a tar entry whose header is written first: a relation that grows while
/// it is read is cut at that size, one that shrank is padded with zeros (WAL replay from the backup's start rewrites both, as it
/// does every page changed meanwhile). The SHA-256 of the bytes handed out is the stored file's checksum.
/// </summary>
internal sealed class FileSnapshotStream(FileStream file, long length) : Stream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long position;

    public string Sha256 => Convert.ToHexStringLower(hash.GetHashAndReset());

    public override bool CanRead => true;

    public override bool CanSeek => true; // the tar writer asks the length; nothing seeks

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - position);
        if (wanted <= 0)
        {
            return 0;
        }

        var read = file.Read(buffer[..wanted]);
        if (read == 0)
        {
            buffer[..wanted].Clear(); // shorter than listed: zeros up to the listed size
            read = wanted;
        }

        hash.AppendData(buffer[..read]);
        position += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, length - position);
        if (wanted <= 0)
        {
            return 0;
        }

        var read = await file.ReadAsync(buffer[..wanted], cancellationToken);
        if (read == 0)
        {
            buffer.Span[..wanted].Clear();
            read = wanted;
        }

        hash.AppendData(buffer.Span[..read]);
        position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) =>
        origin == SeekOrigin.Current && offset == 0 ? position : throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
            hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
