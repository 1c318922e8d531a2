using System.Runtime.InteropServices;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// The kernel's page cache for files we write or hand over: their writeback started without waiting, and their
/// cached pages dropped once nothing needs them there. Linux only; elsewhere nothing happens.
/// </summary>
public static class PageCache
{
    private const uint WaitBefore = 1;
    private const uint Write = 2;
    private const uint WaitAfter = 4;
    private const int DontNeed = 4;

    /// <summary>
    /// Starts writing <paramref name="length"/> bytes from <paramref name="offset"/> to disk without waiting (0: to the
    /// file's end); false where the file system does not support it.
    /// </summary>
    public static bool StartWriteback(SafeHandle file, long offset = 0, long length = 0) =>
        OperatingSystem.IsLinux() && SyncFileRange(file, offset, length, Write) == 0;

    /// <summary>Drops the file's cached pages, once what is still dirty of them is on disk (the kernel keeps dirty pages).</summary>
    public static void Drop(SafeHandle file)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SyncFileRange(file, 0, 0, WaitBefore | Write | WaitAfter);
            _ = Fadvise(file, 0, 0, DontNeed);
        }
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(SafeHandle fd, long offset, long nbytes, uint flags);

    [DllImport("libc", EntryPoint = "posix_fadvise", SetLastError = true)]
    private static extern int Fadvise(SafeHandle fd, long offset, long length, int advice);
}
