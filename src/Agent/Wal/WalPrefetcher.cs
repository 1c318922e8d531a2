using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Recovery;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The prefetch queue behind restore_command (as pgBackRest's archive-get async): the next few segments on the
/// recovering server's timeline are fetched, checked and written in parallel into a spool folder of that server's
/// own (<see cref="SpoolFor"/>), each under its segment name once it is complete. restore_command first just moves
/// the file it wants out of that folder into pg_wal (`mv`: no request, no second process); only when it is not
/// there yet — the first segment, a timeline switch, a history file — does it ask the agent over the WAL socket
/// (<see cref="StageAsync"/>), which answers with the path of a checked file, or a clean "no" when the archive does
/// not have it. A moved file tells the agent the server has consumed it, and the window moves on.
/// Each recovering server (known by its data directory: several may recover on one host at once) has a window of
/// its own. A server that has neither asked nor consumed for a minute is forgotten, with its folder.
/// </summary>
public sealed class WalPrefetcher : IDisposable
{
    private const int Ahead = 8;
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan WatchEvery = TimeSpan.FromMilliseconds(10);
    private readonly ConcurrentDictionary<string, Recovery> recoveries = new(StringComparer.Ordinal);
    private readonly WalArchive archive;
    private readonly AgentRuntimeDirectory runtime;
    // Two at a time: on a small host the replaying server needs a core of its own (decompression is CPU).
    private readonly SemaphoreSlim parallel = new(2);
    private readonly Timer sweeper;
    private long written;

    public WalPrefetcher(AgentSettings settings, AgentRuntimeDirectory runtime)
    {
        this.runtime = runtime;
        archive = new WalArchive(settings.Store.CreateStore());
        sweeper = new Timer(_ => ForgetIdle(), null, ForgetAfter, ForgetAfter);
    }

    /// <summary>
    /// The folder the server recovering in <paramref name="dataDirectory"/> moves its next segments from (made now if
    /// need be): in the agent's spool, which no user but the agent and the server's can reach; the server's user can
    /// take the files handed to it (they are its own) but not list the folder (the agent writes under temporary names).
    /// </summary>
    public string SpoolFor(string dataDirectory) => RecoveryOf(dataDirectory).Directory;

    /// <summary>
    /// The path of a spool file holding the checked segment, for the server recovering in <paramref name="dataDirectory"/>
    /// (it may link or move the file, never write it); null when the archive does not have it.
    /// </summary>
    public async Task<string?> StageAsync(string name, string dataDirectory, CancellationToken cancellationToken)
    {
        WalArchive.CheckedName(name);
        var recovery = RecoveryOf(dataDirectory);
        recovery.LastAsk = DateTime.UtcNow;
        DeleteQuietly(Interlocked.Exchange(ref recovery.LastServed, null));
        var asked = recovery.Staged.TryRemove(name, out var ready) ? ready : StageOneAsync(recovery, name);
        MoveWindow(recovery, name);
        string? path;
        try
        {
            // A "no" fetched ahead may be stale (the segment was archived since): ask the archive again.
            path = await asked.WaitAsync(cancellationToken) ?? (ready is null ? null : await StageOneAsync(recovery, name));
        }
        catch (Exception)
        {
            recovery.Staged.TryRemove(name, out _);
            throw;
        }

        DeleteQuietly(Interlocked.Exchange(ref recovery.LastServed, path));
        return path;
    }

    /// <summary>Stops every window and removes the recoveries' folders: nothing staged outlives the agent.</summary>
    public void Dispose()
    {
        sweeper.Dispose();
        foreach (var recovery in recoveries.Values)
        {
            recovery.Stop.Cancel();
            try
            {
                Directory.Delete(recovery.Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still being written goes with its fetch.
            }
        }
    }

    /// <summary>The server's window, made at its first use and watched from then on (by one loop: a factory that lost a race starts none).</summary>
    private Recovery RecoveryOf(string dataDirectory)
    {
        var recovery = recoveries.GetOrAdd(dataDirectory.TrimEnd('/'), NewRecovery);
        if (Interlocked.Exchange(ref recovery.Watched, 1) == 0)
        {
            _ = WatchAsync(recovery);
        }

        return recovery;
    }

    private Recovery NewRecovery(string key)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        var directory = Directory.CreateDirectory(Path.Combine(runtime.Spool, name)).FullName;
        AgentRuntimeDirectory.ShareWithServer(directory, AgentRuntimeDirectory.RecoverySpool);
        return new Recovery(key, directory);
    }

    /// <summary>Stages the segments after <paramref name="name"/>, forgets what recovery has moved past, and releases what it replayed.</summary>
    private void MoveWindow(Recovery recovery, string name)
    {
        var segment = SegmentOf(name);
        foreach (var next in Following(segment))
        {
            _ = recovery.Staged.GetOrAdd(next, n => StageOneAsync(recovery, n)); // awaited by the ask or move that takes it
        }

        foreach (var behind in recovery.Staged.Keys.Where(k => string.CompareOrdinal(k, name) < 0).ToList())
        {
            Drop(recovery.Staged, behind);
        }

        if (segment is { } taken)
        {
            ReleaseReplayed(recovery, taken.Timeline, taken.Position);
        }
    }

    /// <summary>Notices the files the server moved out of its folder, and moves the window past them.</summary>
    private async Task WatchAsync(Recovery recovery)
    {
        try
        {
            while (true)
            {
                await Task.Delay(WatchEvery, recovery.Stop.Token);
                string? consumed = null;
                foreach (var (name, staging) in recovery.Staged)
                {
                    if (staging.IsCompletedSuccessfully && staging.Result is { } path && !File.Exists(path) && recovery.Staged.TryRemove(name, out _)
                        && (consumed is null || string.CompareOrdinal(name, consumed) > 0))
                    {
                        consumed = name;
                    }
                }

                if (consumed is not null)
                {
                    recovery.LastAsk = DateTime.UtcNow;
                    MoveWindow(recovery, consumed);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The server takes a segment once it has read the one before, so everything two before the one it took (at
    /// <paramref name="position"/>) is replayed: its cached pages go (<see cref="ReplayedWal"/>), off the caller's thread.
    /// </summary>
    private static void ReleaseReplayed(Recovery recovery, int timeline, long position)
    {
        List<string> replayed = [];
        lock (recovery)
        {
            var from = recovery.ReleasedUpTo is { } released && released.Timeline == timeline ? released.Position + 1 : position - 2;
            for (var segment = Math.Max(from, 0); segment <= position - 2; segment++)
            {
                replayed.Add(WalChain.NameOf(timeline, segment));
            }

            recovery.ReleasedUpTo = (timeline, Math.Max(from - 1, position - 2));
        }

        if (replayed.Count > 0)
        {
            _ = Task.Run(() => replayed.ForEach(name => ReplayedWal.Release(recovery.DataDirectory, name)));
        }
    }

    private void ForgetIdle()
    {
        foreach (var (key, recovery) in recoveries)
        {
            if (DateTime.UtcNow - recovery.LastAsk > ForgetAfter && recoveries.TryRemove(key, out _))
            {
                recovery.Stop.Cancel();
                foreach (var name in recovery.Staged.Keys)
                {
                    Drop(recovery.Staged, name);
                }

                DeleteQuietly(Interlocked.Exchange(ref recovery.LastServed, null));
                try
                {
                    Directory.Delete(recovery.Directory, recursive: true);
                }
                catch (IOException)
                {
                    // A file still being written goes with its fetch; the folder with the spool.
                }
            }
        }
    }

    private async Task<string?> StageOneAsync(Recovery recovery, string name)
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

            // Complete under its own name or not at all: the temporary name is written (by us, not yet the server's),
            // given to the server's user, then renamed. A file the server already took is never written again.
            var path = Path.Combine(recovery.Directory, name);
            var temp = Path.Combine(recovery.Directory, $".{name}.{Interlocked.Increment(ref written).ToString(CultureInfo.InvariantCulture)}.part");
            await using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0, PreallocationSize = bytes.Length,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                await file.WriteAsync(bytes);
                WalSpool.GiveToServer(file.SafeFileHandle);
                PageCache.StartWriteback(file.SafeFileHandle); // clean by the time it is replayed: ReplayedWal
            }

            File.Move(temp, path, overwrite: true);
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

    /// <summary>A segment's timeline and position; null for history and other files.</summary>
    private static (int Timeline, long Position)? SegmentOf(string name) =>
        name.Length == 24 && int.TryParse(name.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var timeline)
        && Core.Retention.WalRetention.PositionOf(name) is { } position
            ? (timeline, position)
            : null;

    /// <summary>The next segments on the same timeline; nothing after a history or other file.</summary>
    private static IEnumerable<string> Following((int Timeline, long Position)? segment)
    {
        if (segment is not { } from)
        {
            yield break;
        }

        for (var i = 1; i <= Ahead; i++)
        {
            yield return WalChain.NameOf(from.Timeline, from.Position + i);
        }
    }

    private sealed class Recovery(string dataDirectory, string directory)
    {
        public readonly string DataDirectory = dataDirectory;
        public readonly ConcurrentDictionary<string, Task<string?>> Staged = new(StringComparer.Ordinal);
        public readonly CancellationTokenSource Stop = new();
        public string? LastServed;
        public DateTime LastAsk = DateTime.UtcNow;
        public int Watched;
        public (int Timeline, long Position)? ReleasedUpTo;

        public string Directory { get; } = directory;
    }
}
