using System.Text.Json;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Adapters.Azurite;

/// <summary>
/// Azurite started by `dr` (when no storage is configured) or by the lab. It runs detached so it outlives
/// a crashed or killed `dr`, as Azure Storage outlives a Functions host; the next `dr` reuses it. Its data,
/// log and pid file live under <paramref name="directory"/>.
/// </summary>
public sealed partial class ManagedAzurite(string directory, string address = "127.0.0.1")
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public sealed record Endpoints(int Pid, string Address, int BlobPort, int QueuePort, int TablePort)
    {
        public string ConnectionString =>
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
            $"BlobEndpoint=http://{Address}:{BlobPort}/{Account};QueueEndpoint=http://{Address}:{QueuePort}/{Account};" +
            $"TableEndpoint=http://{Address}:{TablePort}/{Account};";
    }

    private string PidFile => Path.Combine(directory, "azurite.json");

    /// <summary>
    /// Returns the running Azurite of this directory, starting one if needed. A port given as 0 is bound by Azurite
    /// itself (any free one, so no other process can take it between a pick and the bind) and read from what it says.
    /// </summary>
    public async Task<Endpoints> EnsureRunningAsync(int blobPort = 0, int queuePort = 0, int tablePort = 0, CancellationToken cancellationToken = default)
    {
        if (Running() is { } running)
        {
            return running;
        }

        OwnerOnly.CreateDirectory(directory);
        var log = Path.Combine(directory, "azurite.log");
        // Not --silent's absence: the access log stays off, but Azurite still says where each service listens.
        var pid = DetachedProcess.Start(FindNodeBin("azurite"),
            ["--silent", "--disableTelemetry", "--skipApiVersionCheck", "--location", directory,
             "--blobHost", address, "--blobPort", $"{blobPort}", "--queueHost", address, "--queuePort", $"{queuePort}", "--tableHost", address, "--tablePort",
                 $"{tablePort}"],
            log);
        Endpoints endpoints;
        try
        {
            var ports = new Dictionary<string, int>();
            foreach (var service in new[] { "Blob", "Queue", "Table" })
            {
                var said = await DetachedProcess.WaitForLogAsync("Azurite", pid, log, ListeningLine(service), TimeSpan.FromSeconds(30));
                ports[service] = int.Parse(said.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                await DetachedProcess.WaitListeningAsync("Azurite", pid, address, ports[service], log, TimeSpan.FromSeconds(30));
            }

            endpoints = new Endpoints(pid, address, ports["Blob"], ports["Queue"], ports["Table"]);
        }
        catch
        {
            await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5)); // one that binds some ports and not others serves nobody
            throw;
        }

        OwnerOnly.WriteAllText(PidFile, JsonSerializer.Serialize(endpoints));
        return endpoints;
    }

    /// <summary>"Azurite Blob service is successfully listening at http://127.0.0.1:46163".</summary>
    private static System.Text.RegularExpressions.Regex ListeningLine(string service) => service switch
    {
        "Blob" => BlobListening(),
        "Queue" => QueueListening(),
        _ => TableListening(),
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"Azurite Blob service is successfully listening at http://[^\s]+:(\d+)")]
    private static partial System.Text.RegularExpressions.Regex BlobListening();

    [System.Text.RegularExpressions.GeneratedRegex(@"Azurite Queue service is successfully listening at http://[^\s]+:(\d+)")]
    private static partial System.Text.RegularExpressions.Regex QueueListening();

    [System.Text.RegularExpressions.GeneratedRegex(@"Azurite Table service is successfully listening at http://[^\s]+:(\d+)")]
    private static partial System.Text.RegularExpressions.Regex TableListening();

    /// <summary>The Azurite of this directory if it is alive and itself listening on its blob port; otherwise null.</summary>
    public Endpoints? Running()
    {
        if (!File.Exists(PidFile))
        {
            return null;
        }

        var endpoints = JsonSerializer.Deserialize<Endpoints>(File.ReadAllText(PidFile));
        return endpoints is not null && DetachedProcess.IsAlive(endpoints.Pid) && Ports.IsListeningBy(endpoints.Pid, endpoints.Address, endpoints.BlobPort)
            ? endpoints : null;
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
