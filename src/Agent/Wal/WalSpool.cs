using System.Runtime.InteropServices;
using System.Text;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The folder prefetched WAL waits in for restore_command: made by mkdtemp in /tmp (a fresh folder that nobody
/// could have prepared, where the server's user can always reach it, whatever the checkout's permissions),
/// owned by the agent and mode 0711, so the server's user can open the files handed to it by name but can
/// neither list nor replace anything. A killed agent's folder is removed by the next agent that starts.
/// </summary>
internal sealed class WalSpool : IDisposable
{
    private const string Prefix = "dr-wal-spool-";

    private WalSpool(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>
    /// Makes a spool file the server user's (its owner may hard-link it: fs.protected_hardlinks) by fchown on the
    /// open handle, not a chown process per segment (docs/benchmarks.md, PITR second pass).
    /// </summary>
    public static void GiveToServer(SafeHandle file)
    {
        if (ServerOwner.Value is { } owner && ChangeOwner(file, owner.Uid, owner.Gid) != 0)
        {
            throw new IOException($"fchown of a WAL spool file to {PgCtl.RunAs} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    private static readonly Lazy<(uint Uid, uint Gid)?> ServerOwner = new(() =>
    {
        if (PgCtl.RunAs is not { } user)
        {
            return null; // the agent runs as the server's user already
        }

        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == user)
            {
                return (uint.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), uint.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        throw new IOException($"no local user '{user}' to give the WAL spool's files to");
    });

    public static WalSpool Create()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the WAL spool is a Unix folder for PostgreSQL's restore_command");
        }

        DetachedProcess.RemoveFoldersOfDeadProcesses("/tmp", Prefix);
        var template = Encoding.ASCII.GetBytes($"/tmp/{Prefix}{Environment.ProcessId}-XXXXXX\0");
        if (MakeTemporaryDirectory(template) == IntPtr.Zero)
        {
            throw new IOException($"mkdtemp in /tmp failed (errno {Marshal.GetLastPInvokeError()})");
        }

        var path = Encoding.ASCII.GetString(template, 0, template.Length - 1);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return new WalSpool(path);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone.
        }
    }

    [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static extern int ChangeOwner(SafeHandle fd, uint owner, uint group);

    [DllImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    private static extern IntPtr MakeTemporaryDirectory(byte[] template);
}
