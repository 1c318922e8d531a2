using System.ComponentModel;
using System.Diagnostics;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// The startup process replays the WAL alone, on one core: it is the critical path of a recovery. On a host
/// whose cores it shares with the agent's WAL prefetch and the control plane, it waited on the run queue for a
/// good part of its replay (docs/benchmarks.md), so it is given a higher CPU priority for as long as it replays.
/// Only that process: it exits when the recovery ends, and the promoted server's processes keep the host's
/// default. Best effort: raising a priority needs CAP_SYS_NICE, and without it the replay only runs as before.
/// </summary>
public static class ReplayPriority
{
    /// <summary>nice -19 on Linux (a nice value, not a real-time policy): the startup process keeps its core against several busy threads of default
    /// priority.</summary>
    private const ProcessPriorityClass Replaying = ProcessPriorityClass.RealTime;

    /// <summary>
    /// Raises the startup process of the server <paramref name="pg"/> as soon as it exists, while
    /// <paramref name="starting"/> (pg_ctl start, which returns only once the server is consistent) runs: the
    /// replay has begun by then. Never throws; says what it did, for the job's progress.
    /// </summary>
    public static async Task<string> RaiseWhileStartingAsync(PgCtl pg, Task starting)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "replay at the default priority (raised on Linux only)";
        }

        while (true)
        {
            var done = starting.IsCompleted;
            if (pg.RunningPid() is { } postmaster
                && ClusterProcesses.Of(postmaster, pg.DataDirectory).FirstOrDefault(IsStartupProcess) is var startup and not 0)
            {
                return Raise(startup);
            }

            if (done)
            {
                return "replay at the default priority (no startup process: the recovery ended or the server stopped)";
            }

            await Task.WhenAny(starting, Task.Delay(10));
        }
    }

    private static string Raise(int startup)
    {
        try
        {
            using var process = Process.GetProcessById(startup);
            process.PriorityClass = Replaying;
            return $"replay at a raised CPU priority (startup process {startup})";
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            return $"replay at the default priority (raising startup process {startup} failed: {e.Message})";
        }
    }

    private static bool IsStartupProcess(int pid)
    {
        try
        {
            // "postgres: startup recovering …", or "postgres: NAME: startup …" when cluster_name is set.
            var title = File.ReadAllText($"/proc/{pid}/cmdline");
            return title.StartsWith("postgres: ", StringComparison.Ordinal)
                && title.Split(": ").Skip(1).Any(part => part.StartsWith("startup", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }
}
