using System.Collections.Concurrent;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// A large archive kept as a sequence of objects of one size ("parts", `{archiveKey}.00001` …), each stored with its
/// own SHA-256. Writing, several parts go up at once while the archive is still being produced; reading, several are
/// downloaded and checked at once while the reader consumes the one before, and no byte of a part is handed on
/// before the whole part matched its checksum. One stream in, one stream out: the hashing and the transfers are what
/// runs in parallel (one SHA-256 stream was the slowest stage of a restore of incompressible data, docs/benchmarks.md).
/// </summary>
public static class PartedArchive
{
    public static string PartKey(string archiveKey, int number) => $"{archiveKey}.{number:D5}";

    /// <summary>
    /// Stores <paramref name="source"/> as parts of <paramref name="partBytes"/> (the last one shorter), at most
    /// <paramref name="parallel"/> in flight, and returns them in order. On failure every part of the archive is
    /// removed again before the error is rethrown; parts a previous attempt left beyond this one's count go too.
    /// </summary>
    public static async Task<IReadOnlyList<ArchivePart>> PutAsync(IObjectStore store, string archiveKey, Stream source, int partBytes, int parallel,
        CancellationToken cancellationToken)
    {
        try
        {
            var first = await StreamParts.ReadAsync(source, partBytes, cancellationToken, preallocate: true);
            var parts = await StreamParts.UploadAllAsync(source, first, partBytes, parallel, async (part, number) =>
            {
                await using (part)
                {
                    var stored = await store.PutAsync(PartKey(archiveKey, number), part, cancellationToken);
                    return new ArchivePart(stored.Key, stored.SizeBytes,
                        stored.Sha256 ?? throw new InvalidOperationException($"{store.Location} stored '{stored.Key}' without a SHA-256"));
                }
            }, cancellationToken, preallocate: true);
            foreach (var stale in await ListPartsAsync(store, archiveKey, cancellationToken))
            {
                if (!parts.Any(p => p.Key == stale))
                {
                    await store.DeleteAsync(stale, cancellationToken);
                }
            }

            return parts;
        }
        catch
        {
            await DeleteAsync(store, archiveKey, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Removes every part stored under <paramref name="archiveKey"/>. Idempotent.</summary>
    public static async Task DeleteAsync(IObjectStore store, string archiveKey, CancellationToken cancellationToken)
    {
        foreach (var key in await ListPartsAsync(store, archiveKey, cancellationToken))
        {
            await store.DeleteAsync(key, cancellationToken);
        }
    }

    /// <summary>
    /// The parts' bytes as one stream, <paramref name="parallel"/> parts fetched and checked ahead of the reader
    /// (memory: that many parts, plus the one being read). A part that is missing, of another size or whose bytes do
    /// not match its checksum fails the read that reaches it.
    /// </summary>
    public static Stream OpenRead(IObjectStore store, IReadOnlyList<ArchivePart> parts, int parallel) => new PartReader(store, parts, Math.Max(1, parallel));

    private static async Task<List<string>> ListPartsAsync(IObjectStore store, string archiveKey, CancellationToken cancellationToken) =>
        (await store.ListAsync(archiveKey + ".", cancellationToken))
            .Select(o => o.Key)
            .Where(k => k.Length == archiveKey.Length + 6 && k.AsSpan(archiveKey.Length + 1).ContainsOnlyDigits())
            .ToList();

    private static bool ContainsOnlyDigits(this ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');

    private sealed class PartReader : Stream
    {
        private readonly IObjectStore store;
        private readonly IReadOnlyList<ArchivePart> parts;
        private readonly int parallel;
        private readonly int bufferBytes;
        private readonly Queue<Task<byte[]>> ahead = new();
        private readonly ConcurrentBag<byte[]> free = [];
        private readonly CancellationTokenSource stop = new();
        private int nextToFetch;
        private int currentIndex = -1;
        private byte[]? current;
        private int position;
        private int length;

        public PartReader(IObjectStore store, IReadOnlyList<ArchivePart> parts, int parallel)
        {
            this.store = store;
            this.parts = parts;
            this.parallel = parallel;
            bufferBytes = parts.Count == 0 ? 0 : (int)parts.Max(p => p.SizeBytes);
            FetchAhead();
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (current is null || position == length)
            {
                if (current is not null)
                {
                    free.Add(current);
                    current = null;
                }

                if (ahead.Count == 0)
                {
                    return 0;
                }

                current = await ahead.Dequeue().WaitAsync(cancellationToken);
                currentIndex++;
                (position, length) = (0, (int)parts[currentIndex].SizeBytes);
                FetchAhead();
            }

            var count = Math.Min(buffer.Length, length - position);
            current.AsMemory(position, count).CopyTo(buffer);
            position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            foreach (var fetch in ahead)
            {
                await fetch.ContinueWith(_ => { }, TaskScheduler.Default); // nothing may still write into a buffer
            }

            stop.Dispose();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !stop.IsCancellationRequested)
            {
                DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        private void FetchAhead()
        {
            while (ahead.Count < parallel && nextToFetch < parts.Count)
            {
                var part = parts[nextToFetch++];
                ahead.Enqueue(Task.Run(() => FetchAsync(part)));
            }
        }

        private async Task<byte[]> FetchAsync(ArchivePart part)
        {
            var buffer = free.TryTake(out var reused) ? reused : GC.AllocateUninitializedArray<byte>(bufferBytes);
            using var into = new MemoryStream(buffer, 0, (int)part.SizeBytes, writable: true);
            try
            {
                await store.ReadVerifiedAsync(part.Key, into, part.Sha256, stop.Token);
            }
            catch (NotSupportedException e)
            {
                throw new InvalidDataException($"part '{part.Key}' holds more than the {part.SizeBytes} bytes its manifest records", e);
            }

            return into.Position == part.SizeBytes
                ? buffer
                : throw new InvalidDataException($"part '{part.Key}' holds {into.Position} bytes, its manifest records {part.SizeBytes}");
        }
    }
}
