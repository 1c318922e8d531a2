namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A tar entry's data read forward once, its length known before the first byte (the tar header comes first): the tar
/// writer asks the length and the position, nothing seeks. Subclasses give the length and the bytes.
/// </summary>
internal abstract class TarEntrySource : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => true; // for the length only

    public override bool CanWrite => false;

    public override long Position { get => position; set => throw new NotSupportedException(); }

    /// <summary>Moves the position on by what a read handed out.</summary>
    protected int Advance(int read)
    {
        position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override long Seek(long offset, SeekOrigin origin) =>
        origin == SeekOrigin.Current && offset == 0 ? position : throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
