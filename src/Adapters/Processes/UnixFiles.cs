using System.Runtime.InteropServices;

namespace CausalEval.Dr.Adapters.Processes;

/// <summary>Who owns a file, and which user and group this process and PostgreSQL's user are: what .NET's file API does not say.</summary>
public static class UnixFiles
{
    /// <summary>A file's owner, group and permission bits, of the path itself (a symbolic link is not followed).</summary>
    public sealed record Status(uint Uid, uint Gid, UnixFileMode Mode, bool IsDirectory, bool IsSymbolicLink);

    public static uint EffectiveUid => OperatingSystem.IsWindows() ? 0 : GetEffectiveUid();

    /// <summary>The status of <paramref name="path"/>, or null when it does not exist.</summary>
    public static Status? StatusOf(string path)
    {
        // struct statx has one layout on every architecture: mask u32, blksize u32, attributes u64, nlink u32, uid u32, gid u32, mode u16.
        var buffer = new byte[256];
        if (Statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x7ff /* STATX_BASIC_STATS */, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is 2 or 20 ? null : throw new IOException($"statx of {path} failed (errno {errno})"); // ENOENT, ENOTDIR
        }

        var mode = BitConverter.ToUInt16(buffer, 28);
        var type = mode & 0xF000;
        return new Status(BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24), (UnixFileMode)(mode & 0xFFF), type == 0x4000, type == 0xA000);
    }

    /// <summary>The uid and gid of a local user (from /etc/passwd); null when there is none.</summary>
    public static (uint Uid, uint Gid)? IdsOf(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == user)
            {
                return (uint.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture),
                    uint.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return null;
    }

    /// <summary>Sets a path's owner and group (the path itself, never what a link points at).</summary>
    public static void ChangeOwner(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0)
        {
            throw new IOException($"chown of {path} to {uid}:{gid} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUid();

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryFd, string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int LChown(string path, uint owner, uint group);
}
