namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Cuts a stream into parts for the stores that upload in pieces, and uploads them a few at a time.</summary>
internal static class StreamParts
{
    /// <summary>The next part, up to <paramref name="partSizeBytes"/>; shorter only at the end of the stream, empty after it.</summary>
    /// <param name="preallocate">Read straight into one buffer of the part's size (for streams known to be large).</param>
    public static async Task<MemoryStream> ReadAsync(Stream source, int partSizeBytes, CancellationToken cancellationToken, bool preallocate = false)
    {
        if (preallocate)
        {
            var bytes = GC.AllocateUninitializedArray<byte>(partSizeBytes);
            var filled = await source.ReadAtLeastAsync(bytes, partSizeBytes, throwOnEndOfStream: false, cancellationToken);
            return new MemoryStream(bytes, 0, filled, writable: false, publiclyVisible: true);
        }

        var part = new MemoryStream();
        var buffer = new byte[128 * 1024];
        int read;
        while (part.Length < partSizeBytes
            && (read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, partSizeBytes - part.Length)), cancellationToken)) > 0)
        {
            part.Write(buffer, 0, read);
        }

        part.Position = 0;
        return part;
    }

    /// <summary>
    /// Uploads the stream part by part, <paramref name="first"/> (already read) included: at most
    /// <paramref name="parallel"/> parts in flight (and in memory) while the next ones are read. Reading stops at
    /// the first failed part; on any failure the parts still in flight are waited for before the error is
    /// rethrown, so the caller can clean up knowing nothing is still being written.
    /// </summary>
    /// <param name="upload">Uploads part number N (from 1) and returns what the caller keeps of it; results come back in part order.</param>
    public static async Task<T[]> UploadAllAsync<T>(Stream source, MemoryStream first, int partSizeBytes, int parallel,
        Func<MemoryStream, int, Task<T>> upload, CancellationToken cancellationToken, bool preallocate = false)
    {
        var inFlight = new List<Task<T>>();
        try
        {
            for (var (part, number) = (first, 1); part.Length > 0; part = await ReadAsync(source, partSizeBytes, cancellationToken, preallocate), number++)
            {
                if (inFlight.FirstOrDefault(t => t.IsFaulted) is { } failed)
                {
                    await failed;
                }

                // One look at which parts still run: counted and then listed again, they could all have finished in between and
                // left WhenAny an empty list ("The tasks argument contains no tasks", seen once under load).
                var running = inFlight.Where(t => !t.IsCompleted).ToList();
                if (running.Count >= parallel)
                {
                    await Task.WhenAny(running);
                }

                inFlight.Add(upload(part, number));
            }

            return await Task.WhenAll(inFlight);
        }
        catch
        {
            await Task.WhenAll(inFlight.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            throw;
        }
    }
}
