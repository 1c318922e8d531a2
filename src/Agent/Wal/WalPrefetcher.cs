using System.Collections.Concurrent;
using System.Globalization;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Recovery;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The prefetch queue behind restore_command (as pgBackRest's archive-get async): recovery asks for one
/// segment at a time; when it asks for one, the next few on its timeline are fetched, checked and written
/// to the spool in parallel, so the following asks are answered with a file that is already there.
/// restore_command hard-links (or copies) that file into pg_wal: the replaying server waits for no
/// download and no 16 MB HTTP body. A file the archive does not have is a clean "no".
/// </summary>
public sealed class WalPrefetcher(AgentSettings settings) : IDisposable
{
    private const int Ahead = 8;
    // Files handed out stay until recovery has asked for this many more (it may still be linking the last one).
    private const int KeepServed = 4;
    private readonly ConcurrentDictionary<string, Task<string?>> staged = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> served = new();
    private readonly WalArchive archive = new(settings.Store.CreateStore());
    private readonly Lazy<WalSpool> spool = new(WalSpool.Create);
    // Two at a time: on a small host the replaying server needs a core of its own (decompression is CPU).
    private readonly SemaphoreSlim parallel = new(2);
    private long written;

    /// <summary>The path of a spool file holding the checked segment (the caller may link it, never write it); null when the archive does not have it.</summary>
    public async Task<string?> StageAsync(string name, CancellationToken cancellationToken)
    {
        WalArchive.CheckedName(name);
        var asked = staged.TryRemove(name, out var ready) ? ready : StageOneAsync(name);
        foreach (var next in Following(name))
        {
            _ = staged.GetOrAdd(next, StageOneAsync); // awaited by the ask that takes it
        }

        // Whatever recovery moved past will not be asked for again: keep the spool to the window ahead.
        foreach (var behind in staged.Keys.Where(k => string.CompareOrdinal(k, name) < 0).ToList())
        {
            if (staged.TryRemove(behind, out var dropped))
            {
                _ = dropped.ContinueWith(t => DeleteQuietly(t.IsCompletedSuccessfully ? t.Result : null), TaskScheduler.Default);
            }
        }

        string? path;
        try
        {
            // A "no" fetched ahead may be stale (the segment was archived since): ask the archive again.
            path = await asked.WaitAsync(cancellationToken) ?? (ready is null ? null : await StageOneAsync(name));
        }
        catch (Exception)
        {
            staged.TryRemove(name, out _);
            throw;
        }

        if (path is not null)
        {
            served.Enqueue(path);
            while (served.Count > KeepServed && served.TryDequeue(out var old))
            {
                DeleteQuietly(old);
            }
        }

        return path;
    }

    public void Dispose()
    {
        if (spool.IsValueCreated)
        {
            spool.Value.Dispose();
        }
    }

    private async Task<string?> StageOneAsync(string name)
    {
        await parallel.WaitAsync();
        try
        {
            if (await archive.ReadAsync(name) is not { } bytes)
            {
                return null;
            }

            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("restore_command is served on Unix");
            }

            // A new name per fetch: a file already linked into pg_wal is never written again.
            var path = Path.Combine(spool.Value.Directory, $"{name}.{Interlocked.Increment(ref written).ToString(CultureInfo.InvariantCulture)}");
            var temp = path + ".part";
            await using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0, PreallocationSize = bytes.Length,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                await file.WriteAsync(bytes);
            }

            await PgCtl.GiveToServerAsync(temp); // its owner may hard-link it (fs.protected_hardlinks)
            File.Move(temp, path);
            return path;
        }
        finally
        {
            parallel.Release();
        }
    }

    private static void DeleteQuietly(string? path)
    {
        if (path is not null)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Gone with the spool already.
            }
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
