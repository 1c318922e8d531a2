using System.Collections.Concurrent;
using System.Globalization;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Recovery;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The prefetch queue behind restore_command (as pgBackRest's archive-get async): recovery asks for one
/// segment at a time; when it asks for one, the next few on its timeline are fetched (and checked) in
/// parallel, so the following asks are served from memory. A file the archive does not have is a clean "no".
/// </summary>
public sealed class WalPrefetcher(AgentSettings settings)
{
    private const int Ahead = 8;
    private readonly ConcurrentDictionary<string, Task<byte[]?>> fetched = new(StringComparer.Ordinal);
    private readonly WalArchive archive = new(settings.Store.CreateStore());
    // Two at a time: on a small host the replaying server needs a core of its own (decompression is CPU).
    private readonly SemaphoreSlim parallel = new(2);

    public async Task<byte[]?> FetchAsync(string name, CancellationToken cancellationToken)
    {
        WalArchive.CheckedName(name);
        var asked = fetched.TryRemove(name, out var ready) ? ready : FetchOneAsync(name);
        foreach (var next in Following(name))
        {
            _ = fetched.GetOrAdd(next, FetchOneAsync); // awaited by the ask that takes it
        }

        // Whatever recovery moved past will not be asked for again: keep memory to the window ahead.
        foreach (var behind in fetched.Keys.Where(k => string.CompareOrdinal(k, name) < 0).ToList())
        {
            fetched.TryRemove(behind, out _);
        }

        try
        {
            // A "no" fetched ahead may be stale (the segment was archived since): ask the archive again.
            return await asked.WaitAsync(cancellationToken) ?? (ready is null ? null : await FetchOneAsync(name));
        }
        catch (Exception)
        {
            fetched.TryRemove(name, out _);
            throw;
        }
    }

    private async Task<byte[]?> FetchOneAsync(string name)
    {
        await parallel.WaitAsync();
        try
        {
            return await archive.ReadAsync(name);
        }
        finally
        {
            parallel.Release();
        }
    }

    /// <summary>The next segments on the same timeline; nothing for history or other files.</summary>
    private static IEnumerable<string> Following(string name)
    {
        if (name.Length != 24 || !int.TryParse(name.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var timeline)
            || Core.Retention.WalRetention.PositionOf(name) is not { } position)
        {
            yield break;
        }

        for (var i = 1; i <= Ahead; i++)
        {
            yield return WalChain.NameOf(timeline, position + i);
        }
    }
}
