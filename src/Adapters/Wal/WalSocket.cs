using System.Security.Cryptography;
using System.Text;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Adapters.Wal;

/// <summary>
/// Where a node's agent takes archive_command and restore_command requests: a Unix socket in the agent's own folder
/// for the node (<see cref="FolderFor"/>: owned by the agent, readable by PostgreSQL's group, writable by no one else,
/// under a root only the agent's user can create), so no other user can bind it first or plant a file beside it; on a
/// short path (sockets are limited to ~100 bytes) derived from the node's data directory, so the agent and whoever
/// writes the server's settings agree on it. The commands are curl one-liners (milliseconds, where a `dr` process
/// start costs a fifth of a second) that fall back to `dr wal push|fetch` when the agent does not answer: archiving
/// never depends on the agent.
/// </summary>
public static class WalSocket
{
    public const string SocketName = "wal.sock";

    /// <summary>
    /// The root of every agent's folder on this host, unless configured (<c>Agent:RuntimeDirectory</c>): /run/dr-agent
    /// for root (only root can create it), else a folder of this user's in /tmp that the agent accepts only when it is
    /// the user's own and closed to others.
    /// </summary>
    public static string DefaultRoot => DetachedProcess.IsRoot ? "/run/dr-agent" : $"/tmp/dr-agent-{UnixFiles.EffectiveUid}";

    /// <summary>The agent's folder for the node whose data directory is <paramref name="dataDirectory"/>.</summary>
    /// <remarks>The hash is of the path and a newline: what `echo "$PWD" | sha256sum` hashes in <see cref="ShellPath"/>.</remarks>
    public static string FolderFor(string root, string dataDirectory) =>
        $"{root}/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory).TrimEnd('/') + "\n")))[..12]}";

    public static string PathFor(string root, string dataDirectory) => $"{FolderFor(root, dataDirectory)}/{SocketName}";

    /// <summary>
    /// <see cref="PathFor"/> of the working directory, computed by the shell PostgreSQL runs archive_command in
    /// (its data directory): the same archive_command then reaches each node's own agent, so a standby promoted
    /// with the settings it copied from its primary archives through its own agent, not the old primary's.
    /// </summary>
    public static string ShellPath(string root) => $"{root}/$(echo \"$PWD\" | sha256sum | cut -c1-12)/{SocketName}";

    /// <summary>
    /// archive_command: 0 once the agent has the segment in the store. The agent unreachable (curl exit 7), failing,
    /// or serving another data directory (the header names the server's own, the command's working directory): the fallback.
    /// </summary>
    public static string ArchiveCommand(string root, string fallback) =>
        $"curl -sf --max-time 300 --unix-socket {ShellPath(root)} -X POST -H \"X-Data-Directory: $PWD\" http://agent/archive/%f || {fallback}";

    /// <summary>
    /// restore_command: first a move of the segment out of the folder the agent prefetches into for this server
    /// (<paramref name="spool"/>, in the agent's folder: only the agent and the server's user can write there). When it is
    /// not there yet, the agent is asked and answers with the path of its checked copy, which the shell hard-links into
    /// pg_wal (a copy where the spool is on another file system), so replay never waits for a 16 MB body; 404 (curl exit
    /// 22) is a clean "not in the archive"; any other failure (no agent) asks the fallback.
    /// </summary>
    public static string RestoreCommand(string socket, string spool, string fallback) =>
        $"mv -f {spool}/%f %p 2>/dev/null && exit 0; "
        + $"f=$(curl -sf --max-time 300 --unix-socket {socket} -X POST -H \"X-Data-Directory: $PWD\" http://agent/stage/%f); r=$?; "
        + "test $r -eq 0 && { ln -f \"$f\" %p 2>/dev/null || cp \"$f\" %p; } && exit 0; "
        + $"test $r -eq 22 && exit 1; {fallback}";
}

/// <summary>What an agent substitutes in <c>Recovery:RestoreCommand</c> (one setting serves every node's agent).</summary>
public static class RecoverJobPlaceholders
{
    /// <summary>The agent's own WAL socket.</summary>
    public const string WalSocket = "{walSocket}";

    /// <summary>The folder the agent prefetches the recovering server's next segments into.</summary>
    public const string WalSpool = "{walSpool}";
}
