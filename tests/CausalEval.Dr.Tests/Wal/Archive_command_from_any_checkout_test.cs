using System.Diagnostics;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Wal;

/// <summary>
/// archive_command runs as postgres, in the server's data directory. It finds its node's own agent socket by
/// the directory it runs in (so a promoted standby does not call its old primary's agent), and its fallback
/// `dr wal push` runs even when the checkout sits under a folder postgres cannot enter (a 0700 clone).
/// </summary>
public sealed class Archive_command_from_any_checkout_test
{
    [Fact]
    public async Task The_shell_computes_the_socket_the_agent_of_that_data_directory_listens_on()
    {
        var data = Path.Combine(RepoPaths.NewTempDirectory("wal-socket"), "pg primary", "data");
        Directory.CreateDirectory(data);

        var shell = await RunAsync("sh", ["-c", $"cd \"$1\" && echo {WalSocket.ShellPath(WalSocket.DefaultRoot)}", "sh", data]);

        Assert.Equal(WalSocket.PathFor(WalSocket.DefaultRoot, data), shell.Trim());
        Assert.NotEqual(WalSocket.PathFor(WalSocket.DefaultRoot, data + "2"), shell.Trim());
    }

    [Fact]
    public async Task A_dr_under_a_closed_folder_is_run_from_a_copy_postgres_can_reach()
    {
        Assert.True(DetachedProcess.IsRoot,
            "PostgreSQL runs as its own user only when we are root: run the tests as root (as CI does), where this is what can fail");

        var closed = RepoPaths.NewTempDirectory("closed-checkout");
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var bin = Path.Combine(closed, "bin");
        Directory.CreateDirectory(bin);
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.json")))
        {
            File.Copy(file, Path.Combine(bin, Path.GetFileName(file)));
        }

        var run = RepoPaths.NewTempDirectory("reachable-run");
        File.SetUnixFileMode(run, File.GetUnixFileMode(run) | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var dotnet = Process.GetCurrentProcess().MainModule?.FileName is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/dotnet";
        var dr = new DrCommand(dotnet, [Path.Combine(bin, "dr.dll")]);
        Assert.False(PostgresReachableDr.OthersCanReach(Path.Combine(bin, "dr.dll")));

        var reachable = PostgresReachableDr.For(dr, run);

        Assert.True(PostgresReachableDr.OthersCanReach(reachable.Prefix.Single(p => p.EndsWith("dr.dll", StringComparison.Ordinal))));
        var help = await RunAsync("runuser", ["-u", "postgres", "--", "sh", "-c", reachable.ShellLine("wal", "push", "--help")]);
        Assert.Contains("archive_command", help);
    }

    private static async Task<string> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {process.ExitCode}\n{output}{error}");
        return output;
    }
}
