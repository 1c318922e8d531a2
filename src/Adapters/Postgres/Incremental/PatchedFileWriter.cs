namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// Writes the files of a chain restore that have page deltas, each page once: the chain's archives are read newest member first, a
/// delta writes only the pages no newer member wrote, and the whole copy the deltas patch (an older member's) fills in the rest. A
/// file restored from its whole copy and then every delta in turn would be written as many times as the chain has deltas of it.
/// Runs of consecutive pages go in one write, through the page cache.
/// </summary>
/// <param name="sizes">Each patched file (relative path) and its size as of the backup restored.</param>
internal sealed class PatchedFileWriter(string root, IReadOnlyDictionary<string, long> sizes, bool sync)
{
    private const int PageBytes = PageDelta.PageBytes;
    private const int RunPages = 128;

    private readonly Dictionary<string, bool[]> written = new(StringComparer.Ordinal);
    private readonly byte[] run = new byte[RunPages * PageBytes];

    /// <summary>Bytes written so far: each page of each file once.</summary>
    public long WrittenBytes { get; private set; }

    public bool Patches(string name) => sizes.ContainsKey(name);

    /// <summary>Writes the pages of one delta entry that no newer member wrote.</summary>
    public async Task ApplyDeltaAsync(string name, Stream entry, CancellationToken cancellationToken)
    {
        var (size, blocks) = await PageDelta.ReadHeaderAsync(entry, name, cancellationToken);
        if (size > sizes[name])
        {
            throw new InvalidDataException($"the page delta of {name} is of a {size}-byte file, larger than its {sizes[name]} bytes in the backup restored");
        }

        var pages = Pages(name);
        using var file = Open(name);
        for (var at = 0; at < blocks.Length; at += RunPages)
        {
            // The entry's pages come in the order of its blocks: read a batch, write its runs of consecutive pages no newer member wrote.
            var batch = Math.Min(RunPages, blocks.Length - at);
            await entry.ReadExactlyAsync(run.AsMemory(0, batch * PageBytes), cancellationToken);
            WriteUnwritten(file, pages, i => blocks[at + i], batch, batch * PageBytes);
        }

        Finish(file);
    }

    /// <summary>Writes the whole copy the deltas patch, where no delta wrote: read after every delta of the file.</summary>
    public async Task WriteWholeAsync(string name, Stream entry, long length, CancellationToken cancellationToken)
    {
        var pages = Pages(name);
        if (length > sizes[name])
        {
            throw new InvalidDataException($"the whole copy of {name} has {length} bytes, more than its {sizes[name]} in the backup restored");
        }

        using var file = Open(name);
        for (long offset = 0; offset < length; offset += run.Length)
        {
            var chunk = (int)Math.Min(run.Length, length - offset);
            await entry.ReadExactlyAsync(run.AsMemory(0, chunk), cancellationToken);
            var firstBlock = (int)(offset / PageBytes);
            WriteUnwritten(file, pages, i => firstBlock + i, (chunk + PageBytes - 1) / PageBytes, chunk);
        }

        Finish(file);
    }

    /// <summary>Every page of every patched file came from some member: one that did not is a broken chain, not a zero page.</summary>
    public void EnsureComplete(string backupId)
    {
        foreach (var (name, size) in sizes)
        {
            var pages = written.GetValueOrDefault(name);
            var missing = pages is null ? 0 : Array.IndexOf(pages, false);
            if (pages is null || missing >= 0)
            {
                throw new Core.Errors.CorruptDataException($"backup {backupId}: page {Math.Max(missing, 0)} of {name} ({size} bytes) is in no archive of " +
                    "its chain");
            }
        }
    }

    /// <summary>
    /// Writes the pages in <see cref="run"/> (page i is block <paramref name="blockOf"/>(i); <paramref name="bytes"/> in all, the last page
    /// possibly short) that no newer member wrote, and marks them written: consecutive blocks in one write.
    /// </summary>
    private void WriteUnwritten(FileStream file, bool[] pages, Func<int, int> blockOf, int count, int bytes)
    {
        for (var i = 0; i < count;)
        {
            if (pages[blockOf(i)])
            {
                i++;
                continue; // a newer member's
            }

            var end = i;
            while (end < count && !pages[blockOf(end)] && (end == i || blockOf(end) == blockOf(end - 1) + 1))
            {
                pages[blockOf(end++)] = true;
            }

            var from = i * PageBytes;
            Write(file, run.AsSpan(from, Math.Min(end * PageBytes, bytes) - from), (long)blockOf(i) * PageBytes);
            i = end;
        }
    }

    private bool[] Pages(string name)
    {
        if (!written.TryGetValue(name, out var pages))
        {
            pages = new bool[(sizes[name] + PageBytes - 1) / PageBytes];
            written[name] = pages;
        }

        return pages;
    }

    private FileStream Open(string name)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(Path.Combine(root, name), options);
        if (file.Length != sizes[name])
        {
            file.SetLength(sizes[name]);
        }

        return file;
    }

    private void Write(FileStream file, ReadOnlySpan<byte> bytes, long offset)
    {
        RandomAccess.Write(file.SafeFileHandle, bytes, offset);
        WrittenBytes += bytes.Length;
    }

    private void Finish(FileStream file)
    {
        if (sync)
        {
            file.Flush(flushToDisk: true);
        }
    }
}
