using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// Keeps the WAL a recovering server has replayed out of the page cache. PostgreSQL keeps every segment it
/// restored in pg_wal until the end of the recovery, and their pages stay cached though nothing reads them
/// again: a recovery replaying gigabytes beside a running cluster would push that cluster's pages out of the
/// cache, and the replay's own new relation pages would have to come from memory the kernel must first find.
/// So a prefetched segment is handed to writeback as soon as it is written (its pages are clean by the time
/// it is replayed), and once the server has moved two segments past it, its cached pages are released.
/// </summary>
internal static class ReplayedWal
{
    private const uint SyncFileRangeWaitBefore = 1;
    private const uint SyncFileRangeWrite = 2;
    private const uint SyncFileRangeWaitAfter = 4;
    private const int FadviseDontNeed = 4;

    /// <summary>Starts writing the file's pages to disk without waiting (best effort: not every file system supports it).</summary>
    public static void StartWriteback(SafeFileHandle file)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SyncFileRange(file, 0, 0, SyncFileRangeWrite);
        }
    }

    /// <summary>
    /// Drops the cached pages of pg_wal/<paramref name="segment"/> in <paramref name="dataDirectory"/>, once whatever
    /// of it is still being written back is on disk (the kernel keeps dirty pages); a missing file is no error.
    /// </summary>
    public static void Release(string dataDirectory, string segment)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            using var file = File.OpenHandle(Path.Combine(dataDirectory, "pg_wal", segment), FileMode.Open, FileAccess.Read);
            _ = SyncFileRange(file, 0, 0, SyncFileRangeWaitBefore | SyncFileRangeWrite | SyncFileRangeWaitAfter);
            _ = Fadvise(file, 0, 0, FadviseDontNeed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Recycled or removed by the server meanwhile: nothing of it is cached under that name any more.
        }
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(SafeHandle fd, long offset, long nbytes, uint flags);

    [DllImport("libc", EntryPoint = "posix_fadvise", SetLastError = true)]
    private static extern int Fadvise(SafeHandle fd, long offset, long length, int advice);
}
