using System.Diagnostics;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Postgres;

/// <summary>
/// A recovering server's startup process is raised as soon as it appears, while pg_ctl start still waits; the
/// postmaster and its other processes — what keeps serving once the recovery promotes — keep the default priority.
/// A server with no startup process (the recovery already ended) has nothing raised. Real processes titled as
/// PostgreSQL titles them (with and without cluster_name), under a postmaster named by postmaster.pid that runs a
/// program called postgres in the data directory (a PID is trusted as the postmaster only then). Raising a priority
/// needs root (CAP_SYS_NICE): this test runs as root, as the agent does, and fails otherwise.
/// </summary>
public sealed class Replay_priority_is_raised_for_the_startup_process_alone_test : IDisposable
{
    private readonly List<Process> started = [];

    [Fact]
    public async Task The_startup_process_is_raised_and_its_siblings_and_postmaster_are_not()
    {
        var (pg, postmaster) = await FakeClusterAsync("postgres: startup recovering 000000010000000000000003", "postgres: checkpointer");
        var starting = new TaskCompletionSource();

        var said = await ReplayPriority.RaiseWhileStartingAsync(pg, starting.Task).WaitAsync(TimeSpan.FromSeconds(20));

        var children = ChildrenOf(postmaster);
        var startup = children.Single(c => Title(c).StartsWith("postgres: startup", StringComparison.Ordinal));
        var checkpointer = children.Single(c => Title(c).StartsWith("postgres: checkpointer", StringComparison.Ordinal));
        Assert.Contains($"raised CPU priority (startup process {startup})", said);
        Assert.Equal(-19, Nice(startup));
        Assert.Equal(0, Nice(checkpointer));
        Assert.Equal(0, Nice(postmaster));
    }

    [Fact]
    public async Task A_startup_process_titled_with_the_cluster_name_is_found_too()
    {
        var (pg, postmaster) = await FakeClusterAsync("postgres: main: startup recovering 000000010000000000000003");

        var said = await ReplayPriority.RaiseWhileStartingAsync(pg, new TaskCompletionSource().Task).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains($"startup process {ChildrenOf(postmaster).Single()}", said);
    }

    [Fact]
    public async Task Nothing_is_raised_when_the_server_has_no_startup_process_once_started()
    {
        var (pg, postmaster) = await FakeClusterAsync("postgres: checkpointer", "postgres: walwriter");

        var said = await ReplayPriority.RaiseWhileStartingAsync(pg, Task.Delay(300)).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("default priority (no startup process", said);
        Assert.All(ChildrenOf(postmaster).Append(postmaster), pid => Assert.Equal(0, Nice(pid)));
    }

    public void Dispose()
    {
        foreach (var process in started)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    /// <summary>
    /// A "postmaster" (a shell, installed as the bin directory's postgres and run in the data directory) whose children
    /// carry the given process titles; postmaster.pid names it.
    /// </summary>
    private async Task<(PgCtl Pg, int Postmaster)> FakeClusterAsync(params string[] titles)
    {
        Assert.True(DetachedProcess.IsRoot, "raising the startup process's priority needs root (CAP_SYS_NICE): run the tests as root, as the agent runs");
        var data = RepoPaths.NewTempDirectory("replay-priority");
        var bin = RepoPaths.NewTempDirectory("replay-priority-bin");
        File.Copy("/bin/bash", Path.Combine(bin, "postgres"));
        var script = string.Concat(titles.Select(t => $"(exec -a '{t}' sleep 120) & ")) + "wait";
        var shell = Process.Start(new ProcessStartInfo(Path.Combine(bin, "postgres"), ["-c", script]) { WorkingDirectory = data })!;
        started.Add(shell);
        await File.WriteAllTextAsync(Path.Combine(data, "postmaster.pid"), $"{shell.Id}\n{data}\n");
        var clock = Stopwatch.StartNew();
        while (ChildrenOf(shell.Id).Count(c => titles.Any(t => Title(c).StartsWith(t, StringComparison.Ordinal))) < titles.Length)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the fake cluster's processes never started");
            await Task.Delay(10);
        }

        return (new PgCtl(bin, data), shell.Id);
    }

    private static List<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid != 0 && StatField(pid, 1) == parent.ToString())
            .ToList();

    private static string Title(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int Nice(int pid) => int.Parse(StatField(pid, 16)!);

    /// <summary>A field of /proc/PID/stat counted after the command's closing parenthesis (0: state, 1: ppid, 16: nice).</summary>
    private static string? StatField(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[index];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
