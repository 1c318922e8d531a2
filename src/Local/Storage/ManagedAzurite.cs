using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace CausalEval.Dr.Local.Storage;

/// <summary>
/// Azurite started by `dr` when no storage is configured. It runs detached (its own session) so that it
/// outlives a crashed or killed `dr`, as Azure Storage outlives a Functions host; the next `dr` reuses it.
/// Its data, log and pid file live under the state directory.
/// </summary>
public sealed class ManagedAzurite
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string directory;

    public ManagedAzurite(string stateDirectory) => directory = Path.Combine(stateDirectory, "azurite");

    public sealed record Endpoints(int Pid, int BlobPort, int QueuePort, int TablePort)
    {
        public string ConnectionString =>
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
            $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{Account};QueueEndpoint=http://127.0.0.1:{QueuePort}/{Account};TableEndpoint=http://127.0.0.1:{TablePort}/{Account};";
    }

    private string PidFile => Path.Combine(directory, "azurite.json");

    /// <summary>Returns the running Azurite of this state directory, starting one if needed.</summary>
    public async Task<Endpoints> EnsureRunningAsync(CancellationToken cancellationToken = default)
    {
        if (Running() is { } running)
        {
            return running;
        }

        Directory.CreateDirectory(directory);
        var bin = FindAzurite();
        var ports = FreePorts(3);
        var log = Path.Combine(directory, "azurite.log");
        var args = $"--silent --disableTelemetry --skipApiVersionCheck --location '{directory}' " +
                   $"--blobHost 127.0.0.1 --blobPort {ports[0]} --queueHost 127.0.0.1 --queuePort {ports[1]} --tableHost 127.0.0.1 --tablePort {ports[2]}";
        // setsid detaches it from our process group, so Ctrl-C or kill of `dr` does not take storage down.
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"setsid '{bin}' {args} >'{log}' 2>&1 </dev/null & echo $!"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var sh = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh to launch Azurite");
        var pid = int.Parse((await sh.StandardOutput.ReadToEndAsync(cancellationToken)).Trim());
        await sh.WaitForExitAsync(cancellationToken);

        var endpoints = new Endpoints(pid, ports[0], ports[1], ports[2]);
        await WaitUntilListeningAsync(endpoints, log, cancellationToken);
        await File.WriteAllTextAsync(PidFile, JsonSerializer.Serialize(endpoints), cancellationToken);
        return endpoints;
    }

    /// <summary>The Azurite of this state directory if it is alive and listening; otherwise null.</summary>
    public Endpoints? Running()
    {
        if (!File.Exists(PidFile))
        {
            return null;
        }

        var endpoints = JsonSerializer.Deserialize<Endpoints>(File.ReadAllText(PidFile));
        return endpoints is not null && IsAlive(endpoints.Pid) && IsListening(endpoints.BlobPort) ? endpoints : null;
    }

    public bool Stop()
    {
        var running = Running();
        if (running is null)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(running.Pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        File.Delete(PidFile);
        return true;
    }

    /// <summary>Azurite from the project's node_modules (installed from the lock file), or DR_AZURITE_BIN.</summary>
    public static string FindAzurite()
    {
        if (Environment.GetEnvironmentVariable("DR_AZURITE_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("Azurite is not installed: run `npm ci` in the repository root (./dr does this), or set DR_AZURITE_BIN, or configure AzureWebJobsStorage and Storage:ConnectionString");
    }

    private static async Task WaitUntilListeningAsync(Endpoints endpoints, string log, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (IsListening(endpoints.BlobPort) && IsListening(endpoints.QueuePort) && IsListening(endpoints.TablePort))
            {
                return;
            }

            if (!IsAlive(endpoints.Pid))
            {
                throw new InvalidOperationException($"Azurite exited during start-up; see {log}: {ReadTail(log)}");
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"Azurite did not listen within 30 s; see {log}");
    }

    private static string ReadTail(string path) =>
        File.Exists(path) ? string.Join(" | ", File.ReadLines(path).TakeLast(5)) : "(no log)";

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
