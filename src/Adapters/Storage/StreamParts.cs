namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Cuts a stream into parts for the stores that upload in pieces.</summary>
internal static class StreamParts
{
    /// <summary>The next part, up to <paramref name="partSizeBytes"/>; shorter only at the end of the stream, empty after it.</summary>
    public static async Task<MemoryStream> ReadAsync(Stream source, int partSizeBytes, CancellationToken cancellationToken)
    {
        var part = new MemoryStream();
        var buffer = new byte[128 * 1024];
        int read;
        while (part.Length < partSizeBytes && (read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, partSizeBytes - part.Length)), cancellationToken)) > 0)
        {
            part.Write(buffer, 0, read);
        }

        part.Position = 0;
        return part;
    }
}
