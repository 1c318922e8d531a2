using System.Text.Json;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Adapters.Azurite;

/// <summary>
/// Azurite started by `dr` (when no storage is configured) or by the lab. It runs detached so it outlives
/// a crashed or killed `dr`, as Azure Storage outlives a Functions host; the next `dr` reuses it. Its data,
/// log and pid file live under <paramref name="directory"/>.
/// </summary>
public sealed class ManagedAzurite(string directory, string address = "127.0.0.1")
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public sealed record Endpoints(int Pid, string Address, int BlobPort, int QueuePort, int TablePort)
    {
        public string ConnectionString =>
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
            $"BlobEndpoint=http://{Address}:{BlobPort}/{Account};QueueEndpoint=http://{Address}:{QueuePort}/{Account};TableEndpoint=http://{Address}:{TablePort}/{Account};";
    }

    private string PidFile => Path.Combine(directory, "azurite.json");

    /// <summary>Returns the running Azurite of this directory, starting one if needed (ports 0 = any free).</summary>
    public async Task<Endpoints> EnsureRunningAsync(int blobPort = 0, int queuePort = 0, int tablePort = 0, CancellationToken cancellationToken = default)
    {
        if (Running() is { } running)
        {
            return running;
        }

        Directory.CreateDirectory(directory);
        // A port found free can be taken before Azurite binds it (any connection's local port may land on it);
        // Azurite then exits, and ports we picked are picked again.
        var picked = blobPort == 0 || queuePort == 0 || tablePort == 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartAsync(blobPort, queuePort, tablePort, cancellationToken);
            }
            catch (InvalidOperationException) when (picked && attempt < 3)
            {
            }
        }
    }

    private async Task<Endpoints> StartAsync(int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken)
    {
        int Pick(int port) => port != 0 ? port : Ports.FreePort(address);
        var (blob, queue, table) = (Pick(blobPort), Pick(queuePort), Pick(tablePort));
        var log = Path.Combine(directory, "azurite.log");
        var pid = DetachedProcess.Start(FindNodeBin("azurite"),
            ["--silent", "--disableTelemetry", "--skipApiVersionCheck", "--location", directory,
             "--blobHost", address, "--blobPort", $"{blob}", "--queueHost", address, "--queuePort", $"{queue}", "--tableHost", address, "--tablePort", $"{table}"],
            log);
        var endpoints = new Endpoints(pid, address, blob, queue, table);
        try
        {
            foreach (var port in new[] { blob, queue, table })
            {
                await DetachedProcess.WaitListeningAsync("Azurite", pid, address, port, log, TimeSpan.FromSeconds(30));
            }
        }
        catch
        {
            await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5)); // one that binds some ports and not others serves nobody
            throw;
        }

        await File.WriteAllTextAsync(PidFile, JsonSerializer.Serialize(endpoints), cancellationToken);
        return endpoints;
    }

    /// <summary>The Azurite of this directory if it is alive and listening; otherwise null.</summary>
    public Endpoints? Running()
    {
        if (!File.Exists(PidFile))
        {
            return null;
        }

        var endpoints = JsonSerializer.Deserialize<Endpoints>(File.ReadAllText(PidFile));
        return endpoints is not null && DetachedProcess.IsAlive(endpoints.Pid) && Ports.IsListening(endpoints.Address, endpoints.BlobPort) ? endpoints : null;
    }

    public async Task<bool> StopAsync()
    {
        var running = Running();
        if (File.Exists(PidFile))
        {
            File.Delete(PidFile);
        }
        if (running is null)
        {
            return false;
        }

        await DetachedProcess.StopAsync(running.Pid, TimeSpan.FromSeconds(10));
        return true;
    }

    /// <summary>A program from the project's node_modules (installed from the lock file); DR_NODE_MODULES overrides where.</summary>
    public static string FindNodeBin(string name)
    {
        var roots = new[] { Environment.GetEnvironmentVariable("DR_NODE_MODULES"), Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (var start in roots.OfType<string>())
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"{name} is not installed: run `npm ci` in the repository root (./dr and ./test.sh do)");
    }
}
