using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Whether PostgreSQL's user can reach a folder: every folder above it must let that user through (execute for its
/// owner, group or others, as it applies to the user). Asked before any work, so a recovery into a folder the server
/// cannot enter is refused up front instead of failing after the restore.
/// </summary>
public static class ServerReach
{
    /// <summary>The first folder on the way to <paramref name="folder"/> (itself included) the server's user cannot enter; null when it can reach it.</summary>
    public static string? BlockedAt(string folder)
    {
        if (OperatingSystem.IsWindows() || PgCtl.RunAs is not { } user || UnixFiles.IdsOf(user) is not { } server)
        {
            return null; // the server runs as we do: whatever we reach, it reaches
        }

        var groups = GroupsOf(user, server.Gid);
        var path = "/";
        foreach (var part in Path.GetFullPath(folder).Split('/', StringSplitOptions.RemoveEmptyEntries).Prepend(""))
        {
            path = part.Length == 0 ? "/" : Path.Combine(path, part);
            if (UnixFiles.StatusOf(path) is not { } status)
            {
                return path;
            }

            var enters = status.Uid == server.Uid ? status.Mode.HasFlag(UnixFileMode.UserExecute)
                : groups.Contains(status.Gid) ? status.Mode.HasFlag(UnixFileMode.GroupExecute)
                : status.Mode.HasFlag(UnixFileMode.OtherExecute);
            if (server.Uid != 0 && !enters)
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The user's primary group and the groups /etc/group lists it in.</summary>
    private static HashSet<uint> GroupsOf(string user, uint primary)
    {
        var groups = new HashSet<uint> { primary };
        foreach (var line in File.ReadLines("/etc/group"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[3].Split(',').Contains(user) && uint.TryParse(fields[2], out var gid))
            {
                groups.Add(gid);
            }
        }

        return groups;
    }
}
