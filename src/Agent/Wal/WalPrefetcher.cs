using System.Collections.Concurrent;
using System.Globalization;
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
/// Each recovering server (known by its data directory: several may recover on one host at once) has a
/// window of its own; a server runs one restore_command at a time, so when it asks again it is done with
/// the file it was given last, which then goes. A server that has not asked for a minute is forgotten.
/// </summary>
public sealed class WalPrefetcher : IDisposable
{
    private const int Ahead = 8;
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Recovery> recoveries = new(StringComparer.Ordinal);
    private readonly WalArchive archive;
    private readonly Lazy<WalSpool> spool = new(WalSpool.Create);
    // Two at a time: on a small host the replaying server needs a core of its own (decompression is CPU).
    private readonly SemaphoreSlim parallel = new(2);
    private readonly Timer sweeper;
    private long written;

    public WalPrefetcher(AgentSettings settings)
    {
        archive = new WalArchive(settings.Store.CreateStore());
        sweeper = new Timer(_ => ForgetIdle(), null, ForgetAfter, ForgetAfter);
    }

    /// <summary>
    /// The path of a spool file holding the checked segment, for the server recovering in <paramref name="dataDirectory"/>
    /// (it may link the file, never write it); null when the archive does not have it.
    /// </summary>
    public async Task<string?> StageAsync(string name, string dataDirectory, CancellationToken cancellationToken)
    {
        WalArchive.CheckedName(name);
        var recovery = recoveries.GetOrAdd(dataDirectory, _ => new Recovery());
        recovery.LastAsk = DateTime.UtcNow;
        DeleteQuietly(Interlocked.Exchange(ref recovery.LastServed, null));
        var staged = recovery.Staged;
        var asked = staged.TryRemove(name, out var ready) ? ready : StageOneAsync(name);
        foreach (var next in Following(name))
        {
            _ = staged.GetOrAdd(next, StageOneAsync); // awaited by the ask that takes it
        }

        // Whatever recovery moved past will not be asked for again: keep the spool to the window ahead.
        foreach (var behind in staged.Keys.Where(k => string.CompareOrdinal(k, name) < 0).ToList())
        {
            Drop(staged, behind);
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

        DeleteQuietly(Interlocked.Exchange(ref recovery.LastServed, path));
        return path;
    }

    public void Dispose()
    {
        sweeper.Dispose();
        if (spool.IsValueCreated)
        {
            spool.Value.Dispose();
        }
    }

    private void ForgetIdle()
    {
        foreach (var (dataDirectory, recovery) in recoveries)
        {
            if (DateTime.UtcNow - recovery.LastAsk > ForgetAfter && recoveries.TryRemove(dataDirectory, out _))
            {
                foreach (var name in recovery.Staged.Keys)
                {
                    Drop(recovery.Staged, name);
                }

                DeleteQuietly(Interlocked.Exchange(ref recovery.LastServed, null));
            }
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
                WalSpool.GiveToServer(file.SafeFileHandle);
            }

            File.Move(temp, path);
            return path;
        }
        finally
        {
            parallel.Release();
        }
    }

    /// <summary>Forgets a prefetched file; one still being fetched is deleted when it is done.</summary>
    private static void Drop(ConcurrentDictionary<string, Task<string?>> staged, string name)
    {
        if (staged.TryRemove(name, out var dropped))
        {
            _ = dropped.ContinueWith(t => DeleteQuietly(t.IsCompletedSuccessfully ? t.Result : null), TaskScheduler.Default);
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

    private sealed class Recovery
    {
        public readonly ConcurrentDictionary<string, Task<string?>> Staged = new(StringComparer.Ordinal);
        public string? LastServed;
        public DateTime LastAsk;
    }
}
