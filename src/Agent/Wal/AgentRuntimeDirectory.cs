using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The agent's own folder for its node, <c>{root}/{hash of the data directory}/</c>: the WAL socket archive_command and
/// restore_command talk to, and the spool restore_command takes prefetched segments from. Made before PostgreSQL
/// starts. The root is created by the agent's user (for root, /run/dr-agent: nobody else can create it), mode 0711;
/// the folder is the agent's, group PostgreSQL's user, mode 0750: the server's user can reach the socket and the
/// spool, no other user can even look in, and nobody but the agent can put a socket or a file there. A root or
/// folder that someone else made, or that others can write to, is refused, never used.
/// </summary>
public sealed class AgentRuntimeDirectory
{
    private const UnixFileMode Root = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>Where the server's user may write in the spool: add and take files (a restore_command's `mv`), never list.</summary>
    public const UnixFileMode RecoverySpool = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    private AgentRuntimeDirectory(string folder) => Path = folder;

    public static string Default => WalSocket.DefaultRoot;

    public string Path { get; }

    public string Socket => $"{Path}/{WalSocket.SocketName}";

    public string Spool => $"{Path}/spool";

    /// <summary>The node's folder under <paramref name="root"/>, emptied of what a killed agent left and made anew.</summary>
    public static AgentRuntimeDirectory Prepare(string root, string dataDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the agent's WAL socket is a Unix socket");
        }

        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root, Root);
        }

        CheckOurs(root, "Agent:RuntimeDirectory");
        var folder = new AgentRuntimeDirectory(WalSocket.FolderFor(root, dataDirectory));
        if (UnixFiles.StatusOf(folder.Path) is not null)
        {
            CheckOurs(folder.Path, "the agent's folder");
            Directory.Delete(folder.Path, recursive: true); // a killed agent's socket and spools: nothing in it outlives the agent
        }

        Directory.CreateDirectory(folder.Path, Folder);
        Directory.CreateDirectory(folder.Spool, Folder);
        ShareWithServer(folder.Path);
        ShareWithServer(folder.Spool);
        return folder;
    }

    /// <summary>Gives a folder of the agent's to the server user's group (the agent stays its owner), with <paramref name="mode"/>.</summary>
    public static void ShareWithServer(string path, UnixFileMode? mode = null)
    {
        if (PgCtl.RunAs is { } user && UnixFiles.IdsOf(user) is { } server)
        {
            UnixFiles.ChangeOwner(path, UnixFiles.EffectiveUid, server.Gid);
        }

        if (mode is { } set && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, set);
        }
    }

    private static void CheckOurs(string path, string what)
    {
        var status = UnixFiles.StatusOf(path)!;
        if (status.IsSymbolicLink || !status.IsDirectory)
        {
            throw new DrConfigurationException($"{what} {path} is not a folder (a link or a file is never followed)");
        }

        if (status.Uid != UnixFiles.EffectiveUid || (status.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new DrConfigurationException($"{what} {path} belongs to uid {status.Uid} with mode {Convert.ToString((int)status.Mode,
                8)}: the agent (uid {UnixFiles.EffectiveUid}) uses only a folder of its own that no one else can write to");
        }
    }
}
