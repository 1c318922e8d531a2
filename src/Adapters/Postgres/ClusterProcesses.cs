using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>The processes of one PostgreSQL cluster, found and killed together (the fence's second half; the lab's region kill).</summary>
public static class ClusterProcesses
{
    /// <summary>
    /// Kills every process of the cluster at once. PostgreSQL makes each child its own process-group leader,
    /// so a group signal would reach the postmaster alone and leave its backends running: instead the
    /// postmaster is frozen (it can fork nothing more), then it, its descendants and every process working
    /// in the data directory (an orphan backend of an earlier postmaster too) get SIGKILL. Returns once none is left.
    /// </summary>
    public static async Task KillAllAsync(int postmaster, string dataDirectory, Action<string>? warn = null)
    {
        await ProcessRunner.RunQuietAsync("kill", ["-STOP", postmaster.ToString()]);
        var victims = Of(postmaster, dataDirectory).Append(postmaster).Distinct().ToList();
        await ProcessRunner.RunQuietAsync("kill", ["-KILL", .. victims.Select(p => p.ToString())]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (victims.Any(DetachedProcess.IsAlive) || Of(postmaster, dataDirectory).Any())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"processes of the cluster in {dataDirectory} survived SIGKILL: {string.Join(", ",
                    victims.Where(DetachedProcess.IsAlive))}");
            }

            var late = Of(postmaster, dataDirectory).ToList();
            if (late.Count > 0)
            {
                await ProcessRunner.RunQuietAsync("kill", ["-KILL", .. late.Select(p => p.ToString())]);
            }

            await Task.Delay(10);
        }

        // Dead is not gone: until its parent reaps it, the postmaster's zombie keeps its PID, and PostgreSQL
        // refuses to start over a lock file whose PID exists. Every process of the cluster is dead now, so a
        // lock file still naming the zombie after a while is stale, and goes.
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{postmaster}"); i++)
        {
            await Task.Delay(20);
        }

        var lockFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (Directory.Exists($"/proc/{postmaster}") && File.Exists(lockFile))
        {
            warn?.Invoke($"postmaster {postmaster} of {dataDirectory} is killed but not reaped; removing its lock file");
            File.Delete(lockFile);
        }
    }

    /// <summary>Live processes descended from <paramref name="postmaster"/>, or whose working directory is the data directory.</summary>
    public static IEnumerable<int> Of(int postmaster, string dataDirectory)
    {
        var parents = new Dictionary<int, int>();
        var inDataDirectory = new HashSet<int>();
        foreach (var (pid, parent, dir) in LiveProcesses().Where(p => p.Pid != Environment.ProcessId))
        {
            parents[pid] = parent;
            try
            {
                if (new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget is { } cwd && Path.TrimEndingDirectorySeparator(cwd) == dataDirectory)
                {
                    inDataDirectory.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        bool Descends(int pid)
        {
            for (var (p, hops) = (pid, 0); parents.TryGetValue(p, out var parent) && hops < 64; (p, hops) = (parent, hops + 1))
            {
                if (parent == postmaster)
                {
                    return true;
                }
            }

            return false;
        }

        return parents.Keys.Where(pid => pid != postmaster && (inDataDirectory.Contains(pid) || Descends(pid))).ToList();
    }

    /// <summary>
    /// Ends the connections a shutting-down postmaster waits for in vain. PostgreSQL 15 never signals a "dead-end" backend
    /// (a connection accepted during the shutdown, told only that the system is shutting down), and one whose client sends
    /// nothing holds the postmaster up until the client leaves or authentication_timeout ends it, after the shutdown
    /// checkpoint is done and every WAL sender is gone. PostgreSQL 18 kills them at a fast shutdown; this does the same for
    /// older servers: once the postmaster's only children (its logger aside) are backends still waiting for their startup
    /// packet (their command line is still the postmaster's own: PostgreSQL renames every child once it knows what it is),
    /// each gets SIGTERM, on which such a backend exits at once with status 1, which the postmaster takes as normal
    /// (never SIGKILL: that would count as a crash). Returns how many were signalled.
    /// </summary>
    public static async Task<int> EndDeadEndConnectionsAsync(int postmaster)
    {
        if (!OperatingSystem.IsLinux() || ReadCommandLine(postmaster) is not { } postmasterLine)
        {
            return 0;
        }

        var waiting = new List<int>();
        foreach (var child in ChildrenOf(postmaster))
        {
            var line = ReadCommandLine(child);
            if (line == postmasterLine)
            {
                waiting.Add(child);
            }
            else if (!string.IsNullOrEmpty(line) && !line.Contains(": logger", StringComparison.Ordinal)) // empty: a zombie not reaped yet
            {
                return 0; // a backend, WAL sender, archiver or the checkpointer still works: the shutdown is not stuck on these
            }
        }

        if (waiting.Count > 0)
        {
            await ProcessRunner.RunQuietAsync("kill", ["-TERM", .. waiting.Select(p => p.ToString())]);
        }

        return waiting.Count;
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        // The kernel's own list (the postmaster is single-threaded: its main task has every child), else a scan of /proc.
        try
        {
            return File.ReadAllText($"/proc/{parent}/task/{parent}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return ScanChildrenOf(parent);
        }
    }

    private static IEnumerable<int> ScanChildrenOf(int parent) => LiveProcesses().Where(p => p.Parent == parent).Select(p => p.Pid);

    /// <summary>Every process in /proc that is not a zombie, with its parent (from /proc/PID/stat) and its /proc folder.</summary>
    private static IEnumerable<(int Pid, int Parent, string Directory)> LiveProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile, or not ours to read
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "(comm)": state, ppid, ...
            if (fields[0] != "Z" && int.TryParse(fields[1], out var parent))
            {
                yield return (pid, parent, dir);
            }
        }
    }

    private static string? ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
