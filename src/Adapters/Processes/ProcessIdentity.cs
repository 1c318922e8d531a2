using System.Globalization;

namespace CausalEval.Dr.Adapters.Processes;

/// <summary>
/// What a PID is, read from /proc, because a number alone proves nothing: after a reboot or a crash the PID in a
/// pid file may belong to any process, and signalling it (a fence's SIGKILL, as root) would hit that one. A PID is
/// trusted as ours only when /proc shows the program we expect (and its data directory), or the very process we
/// started (its start time, which a reused PID cannot share).
/// </summary>
public static class ProcessIdentity
{
    /// <summary>The program a live process runs, or null when it is gone (or not ours to look into).</summary>
    public static string? ExecutableOf(int pid) => LinkOf($"/proc/{pid}/exe");

    /// <summary>The working directory of a live process, or null.</summary>
    public static string? WorkingDirectoryOf(int pid) => LinkOf($"/proc/{pid}/cwd");

    /// <summary>When the process started, in clock ticks since boot (/proc/PID/stat field 22): with the PID, one process's identity.</summary>
    public static long? StartTicksOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "(comm)": state is field 3, starttime field 22
            return fields[0] == "Z" ? null : long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is still the process that started at <paramref name="startTicks"/> (and not a zombie).</summary>
    public static bool IsSameProcess(int pid, long? startTicks) => startTicks is { } ticks && StartTicksOf(pid) == ticks;

    /// <summary>
    /// Whether <paramref name="pid"/> runs <paramref name="executable"/> (symbolic links resolved) and, when given, has
    /// <paramref name="workingDirectory"/> as its working directory (PostgreSQL's postmaster runs in its data directory).
    /// </summary>
    public static bool Runs(int pid, string executable, string? workingDirectory = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return DetachedProcess.IsAlive(pid);
        }

        return DetachedProcess.IsAlive(pid)
            && ExecutableOf(pid) is { } running && running == RealPath(executable)
            && (workingDirectory is null || WorkingDirectoryOf(pid) is { } cwd
                && Path.TrimEndingDirectorySeparator(cwd) == Path.TrimEndingDirectorySeparator(RealPath(workingDirectory)));
    }

    /// <summary>The path with every symbolic link on it resolved, as /proc reports paths.</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var resolved = "/";
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(resolved, part);
            for (var hops = 0; hops < 40 && new FileInfo(next).LinkTarget is { } target; hops++)
            {
                next = Path.GetFullPath(target, resolved);
            }

            resolved = next;
        }

        return resolved;
    }

    private static string? LinkOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is { } target && !target.EndsWith(" (deleted)", StringComparison.Ordinal) ? target : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
