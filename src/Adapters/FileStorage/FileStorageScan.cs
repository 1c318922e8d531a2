using System.Collections.Concurrent;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>What a batch of a file-storage run did, and whether the listing is over.</summary>
public sealed record FileScanBatch(bool Listed, int Pages, long Objects, long Added, long Changed, long Deleted, long CopiedObjects, long CopiedBytes);

/// <summary>
/// One run of the file-storage backup, a batch of listing pages at a time. Each page (in key order) is compared with the
/// parent point's state over the same key range: an object whose size, time and entity tag are the parent's keeps the parent's
/// hash and is not read (pgBackRest's rule, with the entity tag as the checksum the store already keeps); a new or changed one
/// is read, hashed and stored by its hash unless the store holds that content already; a parent's object the page no longer
/// has is a tombstone. The state goes into parts cut where a key's hash says (content-defined), so the parts of unchanged key
/// ranges come out byte for byte as before and are stored once. Progress is saved after each page.
/// </summary>
public sealed class FileStorageScan(IFileStore source, FileBackupStore backups, int pageSize = 1000, int parallelReads = 8)
{
    private const int MinPart = 256;
    private const int MaxPart = 8192;
    private const int BoundaryMask = 1023;
    private const long InMemoryBytes = 16L << 20;

    private readonly Dictionary<string, IReadOnlyList<FileEntry>> parentParts = [];

    /// <summary>The run's saved progress, or a new one compared with the region's newest complete point.</summary>
    public async Task<FileScanProgress> StartAsync(string id, string region, DateTimeOffset takenAt, CancellationToken cancellationToken = default)
    {
        if (await backups.Store.GetInfoAsync(FileBackupStore.ProgressKey(id), cancellationToken) is not null)
        {
            return await backups.Store.ReadJsonAsync<FileScanProgress>(FileBackupStore.ProgressKey(id), cancellationToken);
        }

        var parent = (await backups.ListPointsAsync(region, cancellationToken)).Where(p => p.Id != id).LastOrDefault();
        var progress = new FileScanProgress(id, region, source.Location, takenAt, parent?.Id, null, false, null, 0, [], [], 0, 0, 0, 0, 0, 0, 0, 0);
        await backups.Store.PutJsonAsync(FileBackupStore.ProgressKey(id), progress, cancellationToken);
        return progress;
    }

    /// <summary>Lists and copies up to <paramref name="maxPages"/> pages (or until <paramref name="until"/>), saving after each.</summary>
    public async Task<(FileScanProgress Progress, FileScanBatch Batch)> RunBatchAsync(FileScanProgress progress, int maxPages, DateTimeOffset until,
        Func<DateTimeOffset> now, CancellationToken cancellationToken = default)
    {
        var parent = progress.Parent is null ? null
            : await backups.FindPointAsync(progress.Parent, cancellationToken)
              ?? throw new CorruptDataException($"file-storage point {progress.Id}: its parent point {progress.Parent} is gone");
        var start = progress;
        var pages = 0;
        while (!progress.Listed && pages < maxPages && (pages == 0 || now() < until))
        {
            var page = await source.ListPageAsync("", progress.After, pageSize, cancellationToken);
            progress = await TakePageAsync(progress, parent, page, cancellationToken);
            await backups.Store.PutJsonAsync(FileBackupStore.ProgressKey(progress.Id), progress, cancellationToken);
            pages++;
        }

        return (progress, new FileScanBatch(progress.Listed, pages, progress.Objects - start.Objects, progress.Added - start.Added,
            progress.Changed - start.Changed, progress.Deleted - start.Deleted, progress.CopiedObjects - start.CopiedObjects,
            progress.CopiedBytes - start.CopiedBytes));
    }

    /// <summary>Stores the last part and writes <c>point.json</c>: from here the point lists as complete.</summary>
    public async Task<FilePoint> SealAsync(FileScanProgress progress, DateTimeOffset completedAt, CancellationToken cancellationToken = default)
    {
        if (await backups.FindPointAsync(progress.Id, cancellationToken) is { } sealedBefore)
        {
            return sealedBefore;
        }

        if (!progress.Listed)
        {
            throw new InvalidOperationException($"file-storage point {progress.Id} is not listed to its end yet");
        }

        var parts = new List<FilePartRef>(progress.Parts);
        if (progress.Pending.Count > 0)
        {
            parts.Add(await backups.PutPartAsync(progress.Pending, cancellationToken));
        }

        var point = new FilePoint(progress.Id, progress.Region, progress.Source, progress.TakenAt, completedAt, progress.Parent, progress.Objects,
            progress.Bytes, progress.Added, progress.Changed, progress.Deleted, progress.CopiedObjects, progress.CopiedBytes, parts, progress.ChangePages,
            progress.Unreadable);
        await backups.Store.PutJsonAsync(FileBackupStore.PointKey(point.Id), point, cancellationToken);
        await backups.Store.DeleteAsync(FileBackupStore.ProgressKey(point.Id), cancellationToken);
        return point;
    }

    private async Task<FileScanProgress> TakePageAsync(FileScanProgress progress, FilePoint? parent, FileListingPage page,
        CancellationToken cancellationToken)
    {
        var listed = page.Objects;
        for (var i = 0; i < listed.Count; i++)
        {
            var previous = i == 0 ? progress.LastKey : listed[i - 1].Key;
            if (previous is not null && FileStores.CompareKeys(previous, listed[i].Key) >= 0)
            {
                throw new CorruptDataException($"{source.Location} listed '{listed[i].Key}' after '{previous}': not in key order, so changes cannot be told");
            }
        }

        // The page covers the keys after the last page's up to its own last; the last page's range runs to the end of the keys.
        var last = page.Next is null ? null : listed.Count > 0 ? listed[^1].Key : progress.LastKey;
        var before = await ParentRangeAsync(parent, progress.LastKey, last, cancellationToken);
        var copied = new ConcurrentDictionary<string, (FileEntry? Entry, bool Copied, bool Unreadable)>();
        var puts = new ConcurrentDictionary<string, Lazy<Task<bool>>>(StringComparer.Ordinal); // two keys with the same bytes: one upload
        var toRead = listed.Where(o => !before.TryGetValue(o.Key, out var had) || !Same(had, o)).ToList();
        await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = parallelReads, CancellationToken = cancellationToken },
            async (o, ct) => copied[o.Key] = await CopyAsync(o, puts, ct));

        var state = new List<FileEntry>();
        var changes = new List<FileChange>();
        long added = 0, changed = 0, copiedObjects = 0, copiedBytes = 0, bytes = 0, unreadable = 0;
        foreach (var o in listed)
        {
            FileEntry entry;
            if (copied.TryGetValue(o.Key, out var read))
            {
                if (read.Unreadable)
                {
                    unreadable++;
                    changes.Add(new FileChange(o.Key, "unreadable", null, o.Size, o.LastModified));
                    if (before.GetValueOrDefault(o.Key) is not { } lastGood)
                    {
                        continue;
                    }

                    state.Add(lastGood); // the last bytes that could be read, until the store serves these whole
                    bytes += lastGood.Size;
                    continue;
                }

                if (read.Entry is null)
                {
                    continue; // deleted between the listing and the read: gone as of this point
                }

                entry = read.Entry;
                var had = before.GetValueOrDefault(o.Key);
                if (had is null || had.Sha256 != entry.Sha256)
                {
                    changes.Add(new FileChange(o.Key, had is null ? "added" : "changed", entry.Sha256, entry.Size, entry.LastModified));
                    if (had is null)
                    {
                        added++;
                    }
                    else
                    {
                        changed++;
                    }
                }

                if (read.Copied)
                {
                    copiedObjects++;
                    copiedBytes += entry.Size;
                }
            }
            else
            {
                entry = before[o.Key];
            }

            state.Add(entry);
            bytes += entry.Size;
        }

        var kept = state.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var deleted = before.Values.Where(e => !kept.Contains(e.Key)).OrderBy(e => e.Key, FileStores.KeyOrder).ToList();
        changes.AddRange(deleted.Select(e => new FileChange(e.Key, "deleted", null, 0, null)));
        var changePages = progress.ChangePages;
        if (changes.Count > 0)
        {
            await backups.Store.PutJsonAsync(FileBackupStore.ChangesKey(progress.Id, changePages), changes.OrderBy(c => c.Key, FileStores.KeyOrder).ToList(),
                cancellationToken);
            changePages++;
        }

        var pending = new List<FileEntry>(progress.Pending);
        var parts = new List<FilePartRef>(progress.Parts);
        foreach (var entry in state)
        {
            pending.Add(entry);
            if (pending.Count >= MaxPart || (pending.Count >= MinPart && IsBoundary(entry.Key)))
            {
                parts.Add(await backups.PutPartAsync(pending, cancellationToken));
                pending = [];
            }
        }

        return progress with
        {
            After = page.Next, Listed = page.Next is null, LastKey = listed.Count > 0 ? listed[^1].Key : progress.LastKey, Pages = progress.Pages + 1,
            Pending = pending, Parts = parts, Objects = progress.Objects + state.Count, Bytes = progress.Bytes + bytes, Added = progress.Added + added,
            Changed = progress.Changed + changed, Deleted = progress.Deleted + deleted.Count, CopiedObjects = progress.CopiedObjects + copiedObjects,
            CopiedBytes = progress.CopiedBytes + copiedBytes, ChangePages = changePages, Unreadable = progress.Unreadable + unreadable,
        };
    }

    private static bool Same(FileEntry had, FileObject now) =>
        had.Size == now.Size && had.LastModified == now.LastModified && string.Equals(had.ETag, now.ETag, StringComparison.Ordinal);

    /// <summary>A part ends after a key whose hash has its low bits clear: the same keys cut the same parts in every run.</summary>
    private static bool IsBoundary(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), hash);
        return ((hash[0] << 8 | hash[1]) & BoundaryMask) == 0;
    }

    /// <summary>
    /// Reads an object, hashing it, and stores its content unless held already; null when it vanished since the listing. Bytes that
    /// fail the store's own checksum (a write racing the read) are read again, twice, before the object counts as unreadable.
    /// </summary>
    private async Task<(FileEntry? Entry, bool Copied, bool Unreadable)> CopyAsync(FileObject o, ConcurrentDictionary<string, Lazy<Task<bool>>> puts,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (entry, copied) = await ReadAndStoreAsync(o, puts, cancellationToken);
                return (entry, copied, false);
            }
            catch (UnreadableObjectException) when (attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300 * attempt), cancellationToken);
            }
            catch (UnreadableObjectException)
            {
                return (null, false, true);
            }
        }
    }

    private async Task<(FileEntry? Entry, bool Copied)> ReadAndStoreAsync(FileObject o, ConcurrentDictionary<string, Lazy<Task<bool>>> puts,
        CancellationToken cancellationToken)
    {
        await using var body = await source.OpenReadAsync(o.Key, cancellationToken);
        if (body is null)
        {
            return (null, false);
        }

        var spool = o.Size <= InMemoryBytes ? (Stream)new MemoryStream() : SpoolFile();
        await using (spool)
        {
            using (var hashing = new HashingStream(body))
            {
                await hashing.CopyToAsync(spool, cancellationToken);
                spool.Position = 0;
                var sha = hashing.Sha256Hex();
                var mine = new Lazy<Task<bool>>(() => backups.PutContentAsync(sha, spool, cancellationToken));
                var put = puts.GetOrAdd(sha, mine);
                var copied = await put.Value && ReferenceEquals(put, mine);
                return (new FileEntry(o.Key, sha, hashing.BytesRead, o.LastModified, o.ETag), copied);
            }
        }
    }

    /// <summary>A large object waits in an owner-only temporary file (mode set by the create), removed when closed.</summary>
    private static FileStream SpoolFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(Path.GetTempPath(), $"dr-files-{Guid.NewGuid():N}.spool"), options);
    }

    /// <summary>The parent's objects with keys after <paramref name="after"/> and up to <paramref name="through"/> (null: to the end).</summary>
    private async Task<Dictionary<string, FileEntry>> ParentRangeAsync(FilePoint? parent, string? after, string? through, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
        if (parent is null)
        {
            return found;
        }

        foreach (var part in parent.Parts.Where(p => (after is null || FileStores.CompareKeys(p.Last, after) > 0)
                     && (through is null || FileStores.CompareKeys(p.First, through) <= 0)))
        {
            if (!parentParts.TryGetValue(part.Sha256, out var entries))
            {
                entries = await backups.ReadPartAsync(part, cancellationToken);
                if (parentParts.Count > 16)
                {
                    parentParts.Clear();
                }

                parentParts[part.Sha256] = entries;
            }

            foreach (var entry in entries.Where(e => (after is null || FileStores.CompareKeys(e.Key, after) > 0)
                         && (through is null || FileStores.CompareKeys(e.Key, through) <= 0)))
            {
                found[entry.Key] = entry;
            }
        }

        return found;
    }
}
