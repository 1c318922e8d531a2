using System.Runtime.InteropServices;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>Files the agent stages for restore_command, in its own spool (<see cref="AgentRuntimeDirectory.Spool"/>).</summary>
internal static class WalSpool
{
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
        PgCtl.RunAs is not { } user ? null // the agent runs as the server's user already
        : UnixFiles.IdsOf(user) ?? throw new IOException($"no local user '{user}' to give the WAL spool's files to"));

    [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static extern int ChangeOwner(SafeHandle fd, uint owner, uint group);
}
