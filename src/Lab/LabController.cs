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
        var ports = AllocatePorts(topology);
        var tokens = topology.Regions.ToDictionary(LabSettings.NodeOf, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        var state = new LabState(topology.Zone, file, DateTimeOffset.UtcNow, ports, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), null, [], tokens);
        state.Save(labDirectory);
        void Started(LabProcess process)
        {
            lock (state)
            {
                state.Processes.Add(process);
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
            var postgres = new LabPostgres(labDirectory);
            var (archiveCommand, restoreCommand) = await WalArchiveCommandsAsync();
            var pgPid = await postgres.StartPrimaryAsync(primaryData, primary.Address, ports["postgres"], archiveCommand);
            Started(new("postgres-primary", "postgres", primary.Name, pgPid, primary.Address, [ports["postgres"]], primaryData));

            var standbyData = Path.Combine(Run, "pg-standby", "data");
            var standbyTask = postgres.StartStandbyAsync(standbyData, secondary.Address, ports["postgres"], primary.Address,
                secondary.Postgres.ApplicationName, secondary.Postgres.Synchronous, primaryData);
            background.Add(standbyTask);
            var redisPid = await LabRedis.StartAsync(RedisDirectory(primary), primary.Address, ports["redis"]);
            Started(new("redis-master", "redis", primary.Name, redisPid, primary.Address, [ports["redis"]]));
            var replicaPid = await LabRedis.StartAsync(RedisDirectory(secondary), secondary.Address, ports["redis"], (primary.Address, ports["redis"]));
            Started(new("redis-replica", "redis", secondary.Name, replicaPid, secondary.Address, [ports["redis"]]));
            Started(new("postgres-standby", "postgres", secondary.Name, await standbyTask, secondary.Address, [ports["postgres"]], standbyData));

            await dnsTask;
            state = state with { AzuriteConnectionString = await storageTask };
            // From here on every `dr` of this state directory sees the lab: its topology, secrets, stores.
            LabSettings.Write(labDirectory, LabSettings.For(topology, state, labDirectory, restoreCommand));
            await StartAgentsAsync(topology, state, Started, [(topology.Primary, primaryData), (secondary, standbyData)]);
            await StartWorkloadsAsync(topology, state, Started, cancellationToken);
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
            File.Delete(WalSocket.PathFor(agent.DataDirectory!)); // a killed agent leaves its socket file in /tmp
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
        return (WalSocket.ArchiveCommand(reachable.ShellLine("wal", "push", "%p", "--settings", settings)),
            WalSocket.RestoreCommand(RecoverJobPlaceholders.WalSocket, RecoverJobPlaceholders.WalSpool, reachable.ShellLine("wal", "fetch", "%f", "%p", "--settings", settings)));
    }

    private static Dictionary<string, int> AllocatePorts(LabTopology topology)
    {
        var regionAddresses = topology.Regions.Select(r => r.Address).ToArray();
        var workloadAddresses = topology.Regions.SelectMany(r => Enumerable.Range(1, r.WorkloadInstances).Select(r.WorkloadAddress)).ToArray();
        var ports = new Dictionary<string, int>();
        foreach (var name in LabTopology.PortNames)
        {
            var pinned = topology.Ports.GetValueOrDefault(name);
            var addresses = name switch
            {
                "postgres" or "agent" or "redis" => regionAddresses,
                "workload" => workloadAddresses,
                _ => [topology.SharedAddress],
            };
            ports[name] = pinned != 0 ? pinned : Ports.FreePort(addresses);
        }

        return ports;
    }

    private async Task StartDnsAsync(LabTopology topology, LabState state, Action<LabProcess> started)
    {
        var (address, dnsPort, apiPort) = (topology.SharedAddress, state.Ports["dns"], state.Ports["dnsApi"]);
        var pid = await LabPowerDns.StartAsync(Path.Combine(Run, "dns"), address, dnsPort, apiPort, state.DnsApiKey);
        started(new("dns", "powerdns", "shared", pid, address, [dnsPort, apiPort]));

        using var http = new HttpClient { BaseAddress = new Uri($"http://{address}:{apiPort}") };
        var records = new PowerDnsRecords(http, topology.Zone, state.DnsApiKey);
        await records.EnsureZoneAsync();
        var primary = topology.Primary;
        await records.SetAddressesAsync("api", Enumerable.Range(1, primary.WorkloadInstances).Select(primary.WorkloadAddress).ToList(), ttlSeconds: 1);
        await records.SetAddressesAsync("db", [primary.Address], ttlSeconds: 1);
    }

    /// <returns>Azurite's connection string, when the topology has Azurite.</returns>
    private async Task<string?> StartObjectStorageAsync(LabTopology topology, LabState state, Action<LabProcess> started)
    {
        var address = topology.SharedAddress;
        string? connectionString = null;
        if (topology.Azurite)
        {
            var azurite = await new ManagedAzurite(Path.Combine(Run, "azurite"), address)
                .EnsureRunningAsync(state.Ports["azuriteBlob"], state.Ports["azuriteQueue"], state.Ports["azuriteTable"]);
            started(new("azurite", "azurite", "shared", azurite.Pid, address, [azurite.BlobPort, azurite.QueuePort, azurite.TablePort]));
            connectionString = azurite.ConnectionString;
        }

        if (topology.S3)
        {
            var pid = await LabS3.StartAsync(Path.Combine(Run, "s3"), address, state.Ports["s3"]);
            started(new("s3", "s3rver", "shared", pid, address, [state.Ports["s3"]]));
        }

        return connectionString;
    }

    /// <summary>One node agent beside each PostgreSQL (see <see cref="LabAgents"/>).</summary>
    private async Task StartAgentsAsync(LabTopology topology, LabState state, Action<LabProcess> started, IEnumerable<(LabRegion Region, string DataDirectory)> nodes,
        bool startPostgres = false)
    {
        var launches = nodes.Select(async node => started(await LabAgents.StartAsync(dr, labDirectory, node.Region, node.DataDirectory, state.Ports["agent"], startPostgres)));
        await Task.WhenAll(launches);
    }

    private async Task StartWorkloadsAsync(LabTopology topology, LabState state, Action<LabProcess> started, CancellationToken cancellationToken)
    {
        await LabWorkloads.WriteConfigurationAsync(Run, cancellationToken);
        var launches = new List<Task>();
        foreach (var region in topology.Regions.Where(r => r.Role != RegionRole.DisasterRecovery)) // cold: started when recovered
        {
            for (var i = 1; i <= region.WorkloadInstances; i++)
            {
                await LabWorkloads.WriteOptionsAsync(Run, topology, state, region, i, cancellationToken);
                // Only the primary's instances can be healthy (database writable); the others need only listen.
                launches.Add(LabWorkloads.StartAsync(dr, Run, region, i, state.Ports["workload"], mustBeHealthy: region.Role == RegionRole.Primary)
                    .ContinueWith(t => started(t.GetAwaiter().GetResult()), cancellationToken));
            }
        }

        await Task.WhenAll(launches);
    }
}
