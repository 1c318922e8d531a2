using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Lab.Agents;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Adapters.Azurite;
using System.Security.Cryptography;
using System.Text.Json;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Lab.Dns;
using CausalEval.Dr.Lab.ObjectStorage;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Redis;
using CausalEval.Dr.Lab.Topology;
using CausalEval.Dr.Lab.Workload;

namespace CausalEval.Dr.Lab;

/// <summary>How to run a `dr` command (file and leading arguments, e.g. "dotnet" ["/path/dr.dll"]).</summary>
public sealed record DrCommand(string File, IReadOnlyList<string> Prefix)
{
    public (string File, string[] Args) With(params string[] args) => (File, [.. Prefix, .. args]);

    public string ShellLine(params string[] args) => string.Join(' ', new[] { File }.Concat(Prefix).Concat(args));

    /// <summary>
    /// For the lab's agents and workloads run from a ReadyToRun image (what ./dr runs): no tiered compilation. Their move
    /// paths run rarely (every real move is a first move), and re-compiling what the first failures made hot took the CPU
    /// of a first switchover on 2 cores (docs/benchmarks.md). The control plane keeps tiering: it runs steps all the time,
    /// and they get faster with it. A plain build (the tests') keeps tiering too: without precompiled code, turning it
    /// off compiles every method fully optimised at each process start.
    /// </summary>
    public Dictionary<string, string> FirstMoveEnvironment =>
        Prefix.FirstOrDefault(p => p.EndsWith(".dll", StringComparison.Ordinal)) is { } dll && IsReadyToRun(dll)
            ? new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" }
            : new Dictionary<string, string>();

    /// <summary>A ReadyToRun image carries a managed native header (its precompiled code) in its CLI header.</summary>
    private static bool IsReadyToRun(string dll)
    {
        try
        {
            using var stream = System.IO.File.OpenRead(dll);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// `dr lab up` and `dr lab down`. Up validates the topology before anything starts, records every process
/// as soon as it runs, and on failure stops what it started. Down stops processes by PID, newest first,
/// and checks that no port stays bound.
/// </summary>
public sealed partial class LabController(string labDirectory, DrCommand dr)
{
    private string Run => Path.Combine(labDirectory, "run");

    private string RedisDirectory(LabRegion region) => Path.Combine(Run, $"redis-{region.Name}");

    public async Task<LabState> UpAsync(string? topologyFile, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var file = Path.GetFullPath(topologyFile ?? LabTopologyParser.DefaultFile);
        var topology = LabTopologyParser.Load(file); // throws with every problem named; nothing started yet
        if (LabState.Load(labDirectory) is { } existing && existing.Processes.Any(p => p.MayBeAlive))
        {
            throw new InvalidOperationException($"a lab is already up in {labDirectory} (started {existing.StartedAt:O}); run `dr lab down` first");
        }

        Directory.CreateDirectory(labDirectory);
        if (Directory.Exists(Run))
        {
            Directory.Delete(Run, recursive: true);
        }

        Directory.CreateDirectory(Run);
        var tokens = topology.Regions.ToDictionary(LabSettings.NodeOf, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        // Ports are recorded as their servers bind them (none is picked ahead and trusted to stay free).
        var certificates = LabCertificates.For(topology.Regions.Select(r => (LabSettings.NodeOf(r), r.Address)));
        var state = new LabState(topology.Zone, file, DateTimeOffset.UtcNow, [], Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), null, [],
            tokens, certificates,
            LabPostgres.PasswordOf(labDirectory));
        state.Save(labDirectory);
        void Started(LabProcess process)
        {
            lock (state)
            {
                state.Processes.Add(process.Identified());
                state.Save(labDirectory);
            }

            progress?.Invoke($"{process.Name} up on {process.Address}:{string.Join(',', process.Ports)} (pid {process.Pid})");
        }

        // Everything started in the background, so a failure elsewhere can wait for it before stopping all.
        var background = new List<Task>();
        try
        {
            var (primary, secondary) = (topology.Primary, topology.Secondary);
            var dnsTask = StartDnsAsync(topology, state, Started);
            var storageTask = StartObjectStorageAsync(topology, state, Started);
            background.AddRange([dnsTask, storageTask]);

            var primaryData = Path.Combine(Run, "pg-primary", "data");
            var postgres = new LabPostgres(labDirectory, state.PostgresPassword);
            var (archiveCommand, restoreCommand) = await WalArchiveCommandsAsync();
            // One port per kind across regions (clients know one port for `db.`, whichever region it names), taken by
            // the first server; the standby binds it on an address of its own, which no ephemeral port ever lands on.
            var regionAddresses = topology.Regions.Select(r => r.Address).ToArray();
            var (pgPid, pgPort) = await Ports.OnFreePortAsync("PostgreSQL", regionAddresses,
                async port => (await postgres.StartPrimaryAsync(primaryData, primary.Address, port, archiveCommand), port),
                    topology.Ports.GetValueOrDefault("postgres"));
            Record(state, "postgres", pgPort);
            Started(new("postgres-primary", "postgres", primary.Name, pgPid, primary.Address, [pgPort], primaryData));

            var standbyData = Path.Combine(Run, "pg-standby", "data");
            var standbyTask = postgres.StartStandbyAsync(standbyData, secondary.Address, pgPort, primary.Address,
                secondary.Postgres.ApplicationName, secondary.Postgres.Synchronous, primaryData);
            background.Add(standbyTask);
            await StartSharingAPortAsync(topology, state, "redis", regionAddresses, Started, inParallel: false, port =>
            [
                async () => new LabProcess("redis-master", "redis", primary.Name, await LabRedis.StartAsync(RedisDirectory(primary), primary.Address, port),
                    primary.Address, [port]),
                async () => new LabProcess("redis-replica", "redis", secondary.Name,
                    await LabRedis.StartAsync(RedisDirectory(secondary), secondary.Address, port, (primary.Address, port)), secondary.Address, [port]),
            ]);
            Started(new("postgres-standby", "postgres", secondary.Name, await standbyTask, secondary.Address, [pgPort], standbyData));

            await dnsTask;
            state = state with { AzuriteConnectionString = await storageTask };
            await StartFileStoresAsync(topology, state, Started);
            await StartWorkloadsAsync(topology, state, Started, cancellationToken);
            // From here on every `dr` of this state directory sees the lab: its topology, secrets, stores (written
            // with each try of the agents' port: they read their node's entry there).
            var agentAddresses = topology.Regions.Select(r => r.Address).ToArray();
            await StartSharingAPortAsync(topology, state, "agent", agentAddresses, Started, inParallel: true, port =>
            {
                LabSettings.Write(labDirectory, LabSettings.For(topology, state, labDirectory, restoreCommand));
                return [AgentStart(topology.Primary, primaryData, port), AgentStart(secondary, standbyData, port)];
            });
            state.Save(labDirectory);
            return state;
        }
        catch
        {
            progress?.Invoke("start-up failed: stopping what was started");
            await Task.WhenAll(background.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            await DownAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops every process of the lab (newest first), whatever was killed or paused before, checks that their
    /// ports are free, and then removes the lab's state and files. Idempotent; one process that will not stop
    /// does not keep the others running.
    /// </summary>
    public async Task<IReadOnlyList<string>> DownAsync(Action<string>? progress = null)
    {
        var state = LabState.Load(labDirectory);
        if (state is null)
        {
            return [];
        }

        foreach (var process in Enumerable.Reverse(state.Processes).ToList())
        {
            try
            {
                await StopAsync(process, progress);
            }
            catch (Exception e)
            {
                progress?.Invoke($"{process.Name}: {e.Message}");
            }
        }

        // A cold region's PostgreSQL is started by its agent (recover-region), not by the lab: stop it by its directory.
        foreach (var data in state.Processes.Where(p => p.Kind == "agent" && p.DataDirectory is not null).Select(p => p.DataDirectory!)
                     .Except(state.Processes.Where(p => p.Kind == "postgres").Select(p => p.DataDirectory)).OfType<string>())
        {
            await StopClusterAsync(data, progress);
        }

        LabSettings.Delete(labDirectory); // commands of this state directory stop pointing at a lab that is gone
        foreach (var agent in state.Processes.Where(p => p.Kind == "agent" && p.DataDirectory is not null))
        {
            var folder = WalSocket.FolderFor(WalSocket.DefaultRoot, agent.DataDirectory!); // a killed agent leaves its folder (socket, spool)
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        var stillBound = state.Processes
            .SelectMany(p => p.Ports.Select(port => (p.Name, p.Address, port)))
            .Where(x => Ports.IsListening(x.Address, x.port))
            .Select(x => $"{x.Name} {x.Address}:{x.port}")
            .ToList();
        if (stillBound.Count == 0)
        {
            File.Delete(LabState.FileIn(labDirectory));
            File.Delete(Path.Combine(labDirectory, "lab.lock"));
            if (Directory.Exists(Run))
            {
                Directory.Delete(Run, recursive: true);
            }
        }

        return stillBound;
    }

    private static async Task StopAsync(LabProcess process, Action<string>? progress)
    {
        if (process.Kind == "postgres" && process.DataDirectory is { } data)
        {
            await StopClusterAsync(data, progress);
            progress?.Invoke($"{process.Name} stopped");
            return;
        }

        // Paused processes take SIGTERM only once they run again.
        if (process.MayBeAlive)
        {
            await ProcessRunner.RunQuietAsync("kill", ["-CONT", process.Pid.ToString()]);
        }

        var killed = process.MayBeAlive && await DetachedProcess.StopAsync(process.Pid, TimeSpan.FromSeconds(10));
        progress?.Invoke($"{process.Name} stopped (pid {process.Pid}){(killed ? ": ignored SIGTERM for 10 s, killed" : "")}");
    }

    /// <summary>A clean stop when it can be had; otherwise (stale lock file, paused, hung) every process of the cluster is killed.</summary>
    private static async Task StopClusterAsync(string dataDirectory, Action<string>? progress)
    {
        var pgctl = new PgCtl(LabPostgres.BinDirectory, dataDirectory);
        if (pgctl.RunningPid() is not { } postmaster)
        {
            return;
        }

        try
        {
            await ProcessRunner.RunQuietAsync("kill", ["-CONT", postmaster.ToString()]);
            await pgctl.StopAsync();
        }
        catch (Exception e)
        {
            progress?.Invoke($"pg_ctl stop of {dataDirectory} failed ({e.Message}): killing the cluster");
        }

        if (pgctl.RunningPid() is { } left)
        {
            await ClusterProcesses.KillAllAsync(left, dataDirectory, progress);
        }
    }

    /// <summary>
    /// The primary archives with the project's own `dr wal push` into the lab's backup store (a local
    /// directory: compressed, checksummed), the same store backups go to, so the WAL check and recovery read
    /// what archive_command wrote; `dr wal fetch --settings {run}/wal-archive.json` reads it back (the
    /// restore_command of the agents' recover jobs: Recovery:RestoreCommand).
    /// </summary>
    private async Task<(string Archive, string Restore)> WalArchiveCommandsAsync()
    {
        var archive = LabSettings.BackupStore(labDirectory);
        // archive_command runs as postgres and writes wal/ (its links) and .data/wal/ (the checksum-named
        // segments, see LocalDirectoryObjectStore); the rest of the store is dr's.
        string[] walFolders = [Path.Combine(archive, "wal"), Path.Combine(archive, ".data", "wal")];
        foreach (var folder in walFolders)
        {
            Directory.CreateDirectory(folder);
        }

        await PgCtl.GiveToServerAsync([archive, .. walFolders]);

        var settings = Path.Combine(Run, "wal-archive.json");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { Storage = new { Kind = "local", LocalPath = archive } }));
        // Through the node's agent (WalSocket), falling back to a `dr` process per file when it does not answer.
        var reachable = PostgresReachableDr.For(dr, Run);
        return (WalSocket.ArchiveCommand(WalSocket.DefaultRoot, reachable.ShellLine("wal", "push", "%p", "--settings", settings)),
            WalSocket.RestoreCommand(RecoverJobPlaceholders.WalSocket, RecoverJobPlaceholders.WalSpool,
                reachable.ShellLine("wal", "fetch", "%f", "%p", "--settings", settings)));
    }

    private async Task StartDnsAsync(LabTopology topology, LabState state, Action<LabProcess> started)
    {
        var address = topology.SharedAddress;
        var (pid, dnsPort, apiPort) = await LabPowerDns.StartAsync(Path.Combine(Run, "dns"), address,
            topology.Ports.GetValueOrDefault("dns"), topology.Ports.GetValueOrDefault("dnsApi"), state.DnsApiKey);
        Record(state, "dns", dnsPort);
        Record(state, "dnsApi", apiPort);
        started(new("dns", "powerdns", "shared", pid, address, [dnsPort, apiPort]));

        using var http = new HttpClient { BaseAddress = new Uri($"http://{address}:{apiPort}") };
        var records = new PowerDnsRecords(http, topology.Zone, state.DnsApiKey);
        await records.EnsureZoneAsync();
        var primary = topology.Primary;
        await records.SetAddressesAsync("api", Enumerable.Range(1, primary.WorkloadInstances).Select(primary.WorkloadAddress).ToList(), ttlSeconds: 1);
        await records.SetAddressesAsync("db", [primary.Address], ttlSeconds: 1);
    }

    /// <summary>Azurite and s3rver bind port 0 (unless the topology pins one) and say which port they got.</summary>
    /// <returns>Azurite's connection string, when the topology has Azurite.</returns>
    private async Task<string?> StartObjectStorageAsync(LabTopology topology, LabState state, Action<LabProcess> started)
    {
        var address = topology.SharedAddress;
        string? connectionString = null;
        if (topology.Azurite)
        {
            var azurite = await new ManagedAzurite(Path.Combine(Run, "azurite"), address).EnsureRunningAsync(
                topology.Ports.GetValueOrDefault("azuriteBlob"), topology.Ports.GetValueOrDefault("azuriteQueue"),
                    topology.Ports.GetValueOrDefault("azuriteTable"));
            Record(state, "azuriteBlob", azurite.BlobPort);
            Record(state, "azuriteQueue", azurite.QueuePort);
            Record(state, "azuriteTable", azurite.TablePort);
            started(new("azurite", "azurite", "shared", azurite.Pid, address, [azurite.BlobPort, azurite.QueuePort, azurite.TablePort]));
            connectionString = azurite.ConnectionString;
        }

        if (topology.S3)
        {
            var (pid, port) = await LabS3.StartAsync(Path.Combine(Run, "s3"), address, topology.Ports.GetValueOrDefault("s3"));
            Record(state, "s3", port);
            started(new("s3", "s3rver", "shared", pid, address, [port]));
        }

        return connectionString;
    }

    /// <summary>The port a server of <paramref name="kind"/> bound, recorded once it is bound.</summary>
    private static void Record(LabState state, string kind, int port)
    {
        lock (state)
        {
            state.Ports[kind] = port;
        }
    }

    /// <summary>
    /// Starts the servers of one kind that share a port across regions (their clients know one port per kind): all
    /// on a port free on every one of <paramref name="addresses"/> when it is picked, recorded as each runs; if one
    /// finds the port taken, those started are stopped and forgotten, and all start again on a fresh port
    /// (<see cref="Ports.OnFreePortAsync{T}"/>). A port the topology pins is used as is.
    /// </summary>
    private async Task<int> StartSharingAPortAsync(LabTopology topology, LabState state, string kind, IReadOnlyCollection<string> addresses,
        Action<LabProcess> started, bool inParallel, Func<int, IReadOnlyList<Func<Task<LabProcess>>>> servers) =>
        await Ports.OnFreePortAsync(kind, addresses, async port =>
        {
            Record(state, kind, port);
            var up = new List<LabProcess>();
            async Task StartOne(Func<Task<LabProcess>> start)
            {
                var process = await start();
                lock (up)
                {
                    up.Add(process);
                }

                started(process);
            }

            try
            {
                if (inParallel)
                {
                    var all = servers(port).Select(StartOne).ToList();
                    await Task.WhenAll(all.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                    await Task.WhenAll(all); // the first failure, now that none still starts
                }
                else
                {
                    foreach (var start in servers(port))
                    {
                        await StartOne(start);
                    }
                }
            }
            catch (PortTakenException)
            {
                foreach (var process in up)
                {
                    await DetachedProcess.StopAsync(process.Pid, TimeSpan.FromSeconds(10));
                    lock (state)
                    {
                        state.Processes.RemoveAll(p => p.Name == process.Name);
                        state.Save(labDirectory);
                    }
                }

                throw;
            }

            return port;
        }, topology.Ports.GetValueOrDefault(kind));

    private Func<Task<LabProcess>> AgentStart(LabRegion region, string dataDirectory, int port) =>
        () => LabAgents.StartAsync(dr, labDirectory, region, dataDirectory, port, startPostgres: false);

    /// <summary>One node agent beside each PostgreSQL (see <see cref="LabAgents"/>), on the port the lab recorded: a region coming back.</summary>
    private async Task StartAgentsAsync(LabState state, Action<LabProcess> started, IEnumerable<(LabRegion Region, string DataDirectory)> nodes,
        bool startPostgres)
    {
        var launches = nodes.Select(async node
            => started(await LabAgents.StartAsync(dr, labDirectory, node.Region, node.DataDirectory, state.Ports["agent"], startPostgres)));
        await Task.WhenAll(launches);
    }

    /// <summary>
    /// Every live region's workload instances, on one port (the API's, which `api.` clients know); the cold
    /// region's start when it is recovered. The port must be free on every address a region may scale out to.
    /// </summary>
    private async Task StartWorkloadsAsync(LabTopology topology, LabState state, Action<LabProcess> started, CancellationToken cancellationToken)
    {
        await LabWorkloads.WriteConfigurationAsync(Run, cancellationToken);
        var most = topology.Regions.Max(r => r.WorkloadInstances);
        var addresses = topology.Regions.SelectMany(r => Enumerable.Range(1, Math.Max(most, r.WorkloadInstances)).Select(r.WorkloadAddress)).ToArray();
        var live = topology.Regions.Where(r => r.Role != RegionRole.DisasterRecovery)
            .SelectMany(r => Enumerable.Range(1, r.WorkloadInstances).Select(i => (Region: r, Instance: i))).ToList();
        await StartSharingAPortAsync(topology, state, "workload", addresses, started, inParallel: true, port =>
        {
            foreach (var (region, instance) in live)
            {
                LabWorkloads.WriteOptions(Run, topology, state, region, instance);
            }

            // Only the primary's instances can be healthy (database writable); the others need only listen.
            return live.Select<(LabRegion Region, int Instance), Func<Task<LabProcess>>>(w =>
                () => LabWorkloads.StartAsync(dr, Run, w.Region, w.Instance, port, mustBeHealthy: w.Region.Role == RegionRole.Primary)).ToList();
        });
    }
}
