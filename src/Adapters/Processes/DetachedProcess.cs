using System.Diagnostics;

namespace CausalEval.Dr.Adapters.Processes;

/// <summary>
/// Server processes started detached (their own session, output to a log file), so they are not tied to
/// the `dr` that started them, and stopped later by PID: the lab's servers, Azurite, node agents.
/// </summary>
public static class DetachedProcess
{
    /// <summary>True when we must drop privileges for servers that refuse root (PostgreSQL) or expect their own user (PowerDNS).</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Starts <paramref name="file"/> detached and returns its PID.</summary>
    public static int Start(string file, IEnumerable<string> args, string logFile, string? runAs = null, IDictionary<string, string>? environment = null)
    {
        var command = new List<string>();
        if (runAs is not null && IsRoot)
        {
            command.AddRange(["setpriv", $"--reuid={runAs}", $"--regid={runAs}", "--init-groups"]);
        }

        command.Add(file);
        command.AddRange(args);
        // `setsid` execs in place, so $! is the server's own PID.
        var script = $"setsid {string.Join(' ', command.Select(Quote))} >{Quote(logFile)} 2>&1 </dev/null & echo $!";
        var start = new ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardOutput = true, UseShellExecute = false };
        ChildEnvironment.Clean(start.Environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var sh = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        var pid = int.Parse(sh.StandardOutput.ReadToEnd().Trim());
        sh.WaitForExit();
        return pid;
    }

    /// <summary>
    /// Removes the folders <c>{parent}/{prefix}{pid}-…</c> whose process is gone: what a killed host leaves behind.
    /// A folder another process removes at the same moment is no error.
    /// </summary>
    public static void RemoveFoldersOfDeadProcesses(string parent, string prefix)
    {
        foreach (var dir in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            var pid = Path.GetFileName(dir)[prefix.Length..].Split('-')[0];
            // Only our own: a folder another user made under the same name is theirs to remove.
            if (int.TryParse(pid, out var id) && id != Environment.ProcessId && !IsAlive(id) && UnixFiles.StatusOf(dir) is { IsSymbolicLink: false } status
                && status.Uid == UnixFiles.EffectiveUid)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // Another host cleaning at the same moment.
                }
            }
        }
    }

    /// <summary>Alive and not a zombie (a zombie is gone for every purpose but its table entry).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>. Returns whether it had to be killed.</summary>
    public static async Task<bool> StopAsync(int pid, TimeSpan grace)
    {
        if (!IsAlive(pid))
        {
            return false;
        }

        // SIGTERM again every second: a server may refuse one shutdown request while busy (Redis does
        // while it writes its first AOF) and accept the next.
        var deadline = DateTime.UtcNow + grace;
        var nextTerm = DateTime.MinValue;
        while (IsAlive(pid) && DateTime.UtcNow < deadline)
        {
            if (DateTime.UtcNow >= nextTerm)
            {
                await ProcessRunner.RunQuietAsync("kill", ["-TERM", pid.ToString()]);
                nextTerm = DateTime.UtcNow.AddSeconds(1);
            }

            await Task.Delay(50);
        }

        if (IsAlive(pid))
        {
            await ProcessRunner.RunQuietAsync("kill", ["-KILL", pid.ToString()]);
            while (IsAlive(pid))
            {
                await Task.Delay(20);
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// Waits until the process itself listens on its port (another process that took the port meanwhile does not
    /// count: the one started would exit on it, or never serve there); fails with the log's last lines if it exits first.
    /// </summary>
    public static async Task WaitListeningAsync(string what, int pid, string address, int port, string logFile, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Ports.IsListeningBy(pid, address, port))
        {
            if (!IsAlive(pid))
            {
                throw ExitedDuringStartUp(what, logFile);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not listen on {address}:{port} within {timeout.TotalSeconds:F0} s; see {logFile}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>
    /// Waits until the server's log has a line matching <paramref name="line"/> (a server started on port 0 saying
    /// where it listens) and returns its match; fails with the log's last lines if it exits first.
    /// </summary>
    public static async Task<System.Text.RegularExpressions.Match> WaitForLogAsync(string what, int pid, string logFile,
        System.Text.RegularExpressions.Regex line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (File.Exists(logFile))
            {
                using var reader = new StreamReader(new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
                if (line.Match(await reader.ReadToEndAsync()) is { Success: true } match)
                {
                    return match;
                }
            }

            if (!IsAlive(pid))
            {
                throw ExitedDuringStartUp(what, logFile);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not say where it listens within {timeout.TotalSeconds:F0} s; see {logFile}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>The error for a server that died while starting: <see cref="PortTakenException"/> when its log says its port was taken.</summary>
    public static InvalidOperationException ExitedDuringStartUp(string what, string logFile)
    {
        var message = $"{what} exited during start-up; its log ({logFile}) says: {Tail(logFile)}";
        var log = File.Exists(logFile) ? File.ReadAllText(logFile) : "";
        return PortTakenException.Says(log) ? new PortTakenException(message) : new InvalidOperationException(message);
    }

    public static string Tail(string path, int lines = 5) =>
        File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(lines)) : "(no log)";

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
