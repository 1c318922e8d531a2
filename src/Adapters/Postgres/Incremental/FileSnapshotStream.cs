using System.Security.Cryptography;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A file read as exactly the size it was listed with, for a tar entry whose header is written first: a relation that grows while
/// it is read is cut at that size, one that shrank is padded with zeros (WAL replay from the backup's start rewrites both, as it
/// does every page changed meanwhile). The SHA-256 of the bytes handed out is the stored file's checksum.
/// </summary>
internal sealed class FileSnapshotStream(FileStream file, long length) : TarEntrySource
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public string Sha256 => Convert.ToHexStringLower(hash.GetHashAndReset());

    public override long Length => length;

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - Position);
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
        return Advance(read);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = (int)Math.Min(buffer.Length, length - Position);
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
        return Advance(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
