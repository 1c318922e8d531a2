using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Lab.Redis;

/// <summary>Redis master (primary region) and replica (secondary region), with append-only persistence.</summary>
public static class LabRedis
{
    public static async Task<int> StartAsync(string directory, string address, int port, (string Address, int Port)? replicaOf = null)
    {
        Directory.CreateDirectory(directory);
        var log = Path.Combine(directory, "redis.log");
        List<string> args = ["--bind", address, "--port", $"{port}", "--dir", directory, "--daemonize", "no",
            "--appendonly", "yes", "--save", "", "--protected-mode", "no", "--logfile", "",
            // On SIGTERM, do not wait for lagging replicas.
            "--shutdown-on-sigterm", "now"];
        if (replicaOf is { } master)
        {
            args.AddRange(["--replicaof", master.Address, $"{master.Port}"]);
        }

        var pid = DetachedProcess.Start(FindRedis(), args, log);
        await DetachedProcess.WaitListeningAsync("Redis", pid, address, port, log, TimeSpan.FromSeconds(20));
        return pid;
    }

    private static string FindRedis() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException("redis-server is not installed (scripts/install-prerequisites.sh installs it)");
}
