using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CausalEval.Dr.Lab.Processes;

/// <summary>
/// Starting and stopping the lab's server processes. Each runs detached (its own session, output to a
/// log file) so it is not tied to the `dr` that started it, and is stopped later by its PID.
/// </summary>
public static class Detached
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
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var sh = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        var pid = int.Parse(sh.StandardOutput.ReadToEnd().Trim());
        sh.WaitForExit();
        return pid;
    }

    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, string? runAs = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(runAs is not null && IsRoot ? "setpriv" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        if (runAs is not null && IsRoot)
        {
            foreach (var a in new[] { $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
        }

        return await stdout;
    }

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
                await RunQuietAsync("kill", ["-TERM", pid.ToString()]);
                nextTerm = DateTime.UtcNow.AddSeconds(1);
            }

            await Task.Delay(50);
        }

        if (IsAlive(pid))
        {
            await RunQuietAsync("kill", ["-KILL", pid.ToString()]);
            while (IsAlive(pid))
            {
                await Task.Delay(20);
            }

            return true;
        }

        return false;
    }

    public static bool IsListening(string address, int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static async Task WaitListeningAsync(string what, int pid, string address, int port, string logFile, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsListening(address, port))
        {
            if (!IsAlive(pid))
            {
                throw new InvalidOperationException($"{what} exited during start-up; its log ({logFile}) says: {Tail(logFile)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not listen on {address}:{port} within {timeout.TotalSeconds:F0} s; see {logFile}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>A port that is free on every one of <paramref name="addresses"/> (services of one kind share a port across regions).</summary>
    public static int FreePort(params string[] addresses)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            if (addresses.All(a => CanBind(a, port)))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no port free on all of {string.Join(", ", addresses)}");
    }

    public static bool CanBind(string address, int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Parse(address), port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static string Tail(string path, int lines = 5) =>
        File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(lines)) : "(no log)";

    private static async Task RunQuietAsync(string file, string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        if (p is not null)
        {
            await p.WaitForExitAsync();
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
