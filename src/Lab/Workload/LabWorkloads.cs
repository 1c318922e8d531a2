using System.Text.Json;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Topology;

namespace CausalEval.Dr.Lab.Workload;

/// <summary>
/// Workload instances of the lab: instance i of a region listens on the region's address with last octet
/// 10+i, reads an options file of its own (kept, so `dr lab revive` and scaling start the same instance
/// again) and is recorded in the lab state by name <c>workload-{region}-{i}</c>.
/// </summary>
public static class LabWorkloads
{
    public static string Directory(string run) => Path.Combine(run, "workload");

    public static string NameOf(LabRegion region, int instance) => $"workload-{region.Name}-{instance}";

    public static string OptionsFile(string run, string name) => Path.Combine(Directory(run), name + ".json");

    /// <summary>The shared configuration file every instance serves (and the configuration backup protects).</summary>
    public static async Task<string> WriteConfigurationAsync(string run, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory(run));
        var configFile = Path.Combine(Directory(run), "config.json");
        const string configuration = """{ "service": "causal-eval-api", "evaluationTimeoutSeconds": 30, "features": { "counterfactuals": true } }""";
        await File.WriteAllTextAsync(configFile, configuration, cancellationToken);
        return configFile;
    }

    /// <summary>Writes instance <paramref name="instance"/>'s options file (if it is not there yet: a scaled-out instance comes back as it was) and returns
    /// its path.</summary>
    public static Task<string> WriteOptionsAsync(string run, LabTopology topology, LabState state, LabRegion region, int instance,
        CancellationToken cancellationToken)
    {
        var file = OptionsFile(run, NameOf(region, instance));
        return Task.FromResult(File.Exists(file) ? file : WriteOptions(run, topology, state, region, instance));
    }

    /// <summary>Writes instance <paramref name="instance"/>'s options file with the lab's ports as recorded now, and returns its path.</summary>
    public static string WriteOptions(string run, LabTopology topology, LabState state, LabRegion region, int instance)
    {
        var file = OptionsFile(run, NameOf(region, instance));
        var options = new
        {
            region = region.Name,
            address = region.WorkloadAddress(instance),
            port = state.Ports["workload"],
            dnsAddress = topology.SharedAddress,
            dnsPort = state.Ports["dns"],
            zone = topology.Zone,
            databasePort = state.Ports["postgres"],
            redisAddress = region.Address,
            redisPort = state.Ports["redis"],
            configFile = Path.Combine(Directory(run), "config.json"),
            modelCacheDirectory = Path.Combine(Directory(run), $"model-cache-{region.Name}"),
            databasePassword = state.PostgresPassword,
            filesPort = region.Files && state.Ports.TryGetValue("files", out var files) ? files : (int?)null,
            filesBucket = LabSettings.FilesBucket,
        };
        Adapters.Files.OwnerOnly.WriteAllText(file, JsonSerializer.Serialize(options));
        return file;
    }

    /// <summary>
    /// Starts one instance from its options file and waits until it listens; with <paramref name="mustBeHealthy"/>,
    /// until it reports healthy (database writable through DNS) too.
    /// </summary>
    public static async Task<LabProcess> StartAsync(DrCommand dr, string run, LabRegion region, int instance, int port, bool mustBeHealthy)
    {
        var name = NameOf(region, instance);
        var address = region.WorkloadAddress(instance);
        var (file, args) = dr.With("workload", "--options", OptionsFile(run, name));
        var log = Path.Combine(Directory(run), name + ".log");
        // One started by an earlier attempt that died before recording it (a crashed scale step) is kept, not doubled.
        var pid = RunningFrom(OptionsFile(run, name)) ?? DetachedProcess.Start(file, args, log, environment: dr.FirstMoveEnvironment);
        await DetachedProcess.WaitListeningAsync(name, pid, address, port, log, TimeSpan.FromSeconds(60));
        if (mustBeHealthy)
        {
            await WaitHealthyAsync(name, address, port);
        }

        return new LabProcess(name, "workload", region.Name, pid, address, [port]);
    }

    /// <summary>The live process whose command line names this options file, if one runs.</summary>
    private static int? RunningFrom(string optionsFile)
    {
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != Environment.ProcessId)
            {
                try
                {
                    var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                    if (command.Contains("workload") && command.Contains(optionsFile) && DetachedProcess.IsAlive(pid))
                    {
                        return pid;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile, or not ours to read.
                }
            }
        }

        return null;
    }

    private static async Task WaitHealthyAsync(string name, string address, int port)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{address}:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync("/health");
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{name} did not become healthy: {last}");
    }
}
