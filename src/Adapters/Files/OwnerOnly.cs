namespace CausalEval.Dr.Adapters.Files;

/// <summary>
/// Files and folders that hold backups, secrets or tokens: created with owner-only modes in the same call that
/// creates them (never written first and narrowed after, when another user could have opened them). A folder that
/// an operator shared with a group by its set-group-id bit (the lab's WAL archive, which PostgreSQL's user reads and
/// writes) shares what is created in it with that group, read-only: 0640 files, 0750 folders.
/// </summary>
public static class OwnerOnly
{
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Folder700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a new file (it must not exist) for writing, with its mode set by the create itself.</summary>
    public static FileStream CreateFile(string path, FileOptions options = FileOptions.None, int bufferSize = 1 << 16)
    {
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = options,
            BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = SharedWithGroup(Path.GetDirectoryName(Path.GetFullPath(path))!) ? File600 | UnixFileMode.GroupRead : File600;
        }

        return new FileStream(path, create);
    }

    /// <summary>Writes <paramref name="text"/> whole or not at all (a new temporary file, then a rename over <paramref name="path"/>).</summary>
    public static void WriteAllText(string path, string text)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = CreateFile(temp))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(text);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Creates the folder (and any missing above it) owner-only; existing folders are left as they are.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows() || Directory.Exists(path))
        {
            Directory.CreateDirectory(path);
            return;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null && !Directory.Exists(parent))
        {
            CreateDirectory(parent);
        }

        Directory.CreateDirectory(path, parent is not null && SharedWithGroup(parent) ? Folder700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            : Folder700);
    }

    private static bool SharedWithGroup(string folder) =>
        !OperatingSystem.IsWindows() && Directory.Exists(folder) && File.GetUnixFileMode(folder).HasFlag(UnixFileMode.SetGroup);
}
