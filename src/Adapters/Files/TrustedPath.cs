using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Files;

/// <summary>
/// Files that steer what this process does (settings, the lab's state, a running host's address) are read only when
/// nobody else could have written them, as ssh's StrictModes: the file and the folder holding it are owned by this
/// user (or root) and writable by no one else. Anything else is a clear error, never silently trusted.
/// </summary>
public static class TrustedPath
{
    /// <summary>The reason <paramref name="path"/> may not be trusted, or null (a missing file is no reason: callers decide).</summary>
    public static string? Problem(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        foreach (var (what, each) in new[] { ("file", full), ("folder", Path.GetDirectoryName(full)!) })
        {
            if (UnixFiles.StatusOf(each) is not { } status)
            {
                continue;
            }

            if (status.IsSymbolicLink && what == "file")
            {
                return $"{each} is a symbolic link";
            }

            if (status.Uid != UnixFiles.EffectiveUid && status.Uid != 0)
            {
                return $"the {what} {each} belongs to uid {status.Uid}, not to this user (uid {UnixFiles.EffectiveUid})";
            }

            if ((status.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                return $"the {what} {each} is writable by others (mode {Convert.ToString((int)status.Mode, 8)})";
            }
        }

        return null;
    }

    /// <summary><paramref name="path"/> if it may be trusted; else a configuration error naming <paramref name="what"/> and why.</summary>
    public static string Checked(string path, string what) =>
        Problem(path) is { } problem ? throw new DrConfigurationException($"{what} {path} is not read: {problem}") : path;
}
