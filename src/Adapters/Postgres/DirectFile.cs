using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// New files written with O_DIRECT: the data goes from our buffers to the disk without being copied into the
/// page cache first and written back later, which is where a buffered restore spent most of its CPU
/// (docs/benchmarks.md). O_DIRECT needs buffers, offsets and lengths aligned to the block size: the buffers come
/// from <see cref="AlignedBuffers"/>, every chunk but a file's last is a whole number of blocks, and the last is
/// padded with zeros and the file cut back to its length when it is closed. Where the file system refuses
/// O_DIRECT (tmpfs), the file is opened buffered instead. O_DIRECT is not durability: callers still fsync.
/// </summary>
internal static class DirectFile
{
    public const int Alignment = 4096;

    private const int WriteOnly = 0x1, CreateFile = 0x40, Exclusive = 0x80, Direct = 0x4000, CloseOnExec = 0x80000;

    /// <summary>Creates <paramref name="path"/> (it must not exist) with room for <paramref name="length"/> bytes.</summary>
    /// <returns>The handle, and whether writes to it must be aligned.</returns>
    public static (SafeFileHandle Handle, bool Direct) Create(string path, long length, UnixFileMode mode, bool direct)
    {
        if (direct && OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
        {
            var fd = Open(path, WriteOnly | CreateFile | Exclusive | Direct | CloseOnExec, (uint)mode);
            if (fd >= 0)
            {
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                if (length > 0)
                {
                    _ = Fallocate(fd, 0, 0, length); // fewer, larger extents; a file system without it just allocates as it writes
                }

                return (handle, true);
            }

            // Refused (EINVAL where the file system has no O_DIRECT): opened buffered; any other error comes from that open, with its usual message.
        }

        var buffered = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, length);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(buffered, mode);
        }

        return (buffered, false);
    }

    /// <summary>The length a chunk of <paramref name="length"/> bytes is written with on a direct handle.</summary>
    public static int Padded(int length) => (length + Alignment - 1) / Alignment * Alignment;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static extern int Fallocate(int fd, int mode, long offset, long length);
}
