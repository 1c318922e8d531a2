using System.Net.Http.Json;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Agents;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Lab.Redis;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Lab.Topology;
using CausalEval.Dr.Lab.Workload;

namespace CausalEval.Dr.Lab.Compute;

/// <summary>
/// The lab's compute: a region's "api" service is its workload processes. Draining tells each instance to
/// answer 503; scaling starts the missing instances (recorded in the lab state, so `dr lab down` and
/// `dr lab kill` see them) and makes sure every instance of the region serves (not drained).
/// </summary>
public sealed class LabCompute(string labDirectory, DrCommand dr) : ICompute, IDisposable
{
    public const string Service = "api";

    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private string Run => Path.Combine(labDirectory, "run");

    public async Task<IReadOnlyList<InstanceDrained>> DrainAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, service);
        var instances = state.Processes.Where(p => p.Kind == "workload" && p.Region == target.Name).ToList();
        return await Task.WhenAll(instances.Select(p => SetDrainingAsync(p.Address, state.Ports["workload"], draining: true, cancellationToken)));
    }

    public async Task<IReadOnlyList<InstanceDrained>> UndrainAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, service);
        var instances = state.Processes.Where(p => p.Kind == "workload" && p.Region == target.Name && p.MayBeAlive).ToList();
        return await Task.WhenAll(instances.Select(p => SetDrainingAsync(p.Address, state.Ports["workload"], draining: false, cancellationToken)));
    }

    public Task<IReadOnlyList<string>> RunningAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, service);
        IReadOnlyList<string> running = state.Processes.Where(p => p.Kind == "workload" && p.Region == target.Name && p.MayBeAlive).Select(p
            => p.Address).Order().ToList();
        return Task.FromResult(running);
    }

    /// <summary>
    /// Stops the region's workload processes (SIGTERM, by PID checked against the one the lab started); <see cref="ScaleAsync"/>
    /// starts them again.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopServiceAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, service);
        var running = state.Processes.Where(p => p.Kind == "workload" && p.Region == target.Name && p.MayBeAlive).ToList();
        await Task.WhenAll(running.Select(p => DetachedProcess.StopAsync(p.Pid, TimeSpan.FromSeconds(10))));
        return running.Select(p => p.Address).Order().ToList();
    }

    public async Task<ServiceScaled> ScaleAsync(string region, string service, int replicas, CancellationToken cancellationToken = default)
    {
        if (replicas is < 1 or > 200)
        {
            throw new BadInputException($"replicas: {replicas} is outside 1..200");
        }

        var (state, topology, target) = Load(region, service);
        var port = state.Ports["workload"];
        var missing = Enumerable.Range(1, replicas).Where(i => state.Find(LabWorkloads.NameOf(target, i)) is not { MayBeAlive: true }).ToList();
        foreach (var i in missing)
        {
            await LabWorkloads.WriteOptionsAsync(Run, topology, state, target, i, cancellationToken);
        }

        var started = await Task.WhenAll(missing.Select(i => LabWorkloads.StartAsync(dr, Run, target, i, port, mustBeHealthy: false)));
        if (started.Length > 0)
        {
            LabState.Update(labDirectory, s =>
            {
                foreach (var process in started)
                {
                    s.Put(process);
                }
            });
        }

        // Scaling in: the instances past the count are taken out of service first, then stopped (by their checked PIDs).
        var extra = state.Processes.Where(p => p.Kind == "workload" && p.Region == target.Name && p.MayBeAlive
            && !Enumerable.Range(1, replicas).Any(i => p.Name == LabWorkloads.NameOf(target, i))).ToList();
        await Task.WhenAll(extra.Select(p => SetDrainingAsync(p.Address, port, draining: true, cancellationToken)));
        await Task.WhenAll(extra.Select(p => DetachedProcess.StopAsync(p.Pid, TimeSpan.FromSeconds(10))));

        var addresses = Enumerable.Range(1, replicas).Select(target.WorkloadAddress).ToList();
        var serving = await Task.WhenAll(addresses.Select(a => SetDrainingAsync(a, port, draining: false, cancellationToken)));
        if (serving.FirstOrDefault(s => !s.Reachable) is { } unreachable)
        {
            throw new InvalidOperationException($"{service} instance {unreachable.Address} of {target.Name} does not answer: {unreachable.Detail}");
        }

        return new ServiceScaled(target.Name, service, replicas, started.Length, addresses);
    }

    public async Task<RegionProvisioned> ProvisionRegionAsync(string region, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, Service);
        var started = new List<string>();
        var redisName = $"redis-{target.Name}";
        if (state.Find(redisName) is not { MayBeAlive: true })
        {
            var pid = await LabRedis.StartAsync(Path.Combine(Run, redisName), target.Address, state.Ports["redis"]);
            LabState.Update(labDirectory, s => s.Put(new LabProcess(redisName, "redis", target.Name, pid, target.Address, [state.Ports["redis"]])));
            started.Add(redisName);
        }

        var agentName = LabSettings.AgentOf(target);
        if (state.Find(agentName) is not { MayBeAlive: true })
        {
            var data = LabAgents.DataDirectoryOf(Run, target);
            var host = Path.GetDirectoryName(data)!;
            Directory.CreateDirectory(host);
            await PgCtl.GiveToServerAsync(host); // the recovered cluster's log and sockets live beside its data
            var agent = await LabAgents.StartAsync(dr, labDirectory, target, data, state.Ports["agent"], startPostgres: false);
            LabState.Update(labDirectory, s => s.Put(agent));
            started.Add(agentName);
        }

        return new RegionProvisioned(target.Name, started, [redisName, agentName]);
    }

    public async Task<IReadOnlyList<string>> DecommissionRegionAsync(string region, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, Service);
        if (target.Role != Core.Topology.RegionRole.DisasterRecovery)
        {
            throw new Core.Errors.SafetyCheckRefusedException($"{target.Name} is the lab's {target.Role.ToString().ToLowerInvariant()} region: only the " +
                "cold disaster-recovery region goes back to cold");
        }

        var processes = state.Processes.Where(p => p.Region == target.Name).ToList();
        // The database first (a server the agent started is its child, not a lab process), then everything else of the region.
        var data = LabAgents.DataDirectoryOf(Run, target);
        if (LabPostgres.RunningPid(data) is { } postmaster)
        {
            await ClusterProcesses.KillAllAsync(postmaster, data);
        }

        var running = processes.Where(p => p.MayBeAlive).ToList();
        await Task.WhenAll(running.Select(p => DetachedProcess.StopAsync(p.Pid, TimeSpan.FromSeconds(10))));
        LabState.Update(labDirectory, s => s.Processes.RemoveAll(p => p.Region == target.Name));
        var host = Path.GetDirectoryName(data)!;
        if (Directory.Exists(host))
        {
            Directory.Delete(host, recursive: true);
        }

        return running.Select(p => p.Name).ToList();
    }

    public async Task<InstanceRestarted> RestartAsync(string region, string service, string address, CancellationToken cancellationToken = default)
    {
        var (state, _, target) = Load(region, service);
        var instance = Enumerable.Range(1, 200).FirstOrDefault(i => target.WorkloadAddress(i) == address);
        var process = instance == 0 ? null : state.Find(LabWorkloads.NameOf(target, instance));
        if (process is null)
        {
            throw new BadInputException($"{service} of {target.Name} has no instance at {address}");
        }

        var port = state.Ports["workload"];
        await SetDrainingAsync(address, port, draining: true, cancellationToken); // new requests go to the others meanwhile
        var killed = await DetachedProcess.StopAsync(process.Pid, TimeSpan.FromSeconds(10));
        var started = await LabWorkloads.StartAsync(dr, Run, target, instance, port, mustBeHealthy: false);
        LabState.Update(labDirectory, s => s.Put(started));
        return new InstanceRestarted(target.Name, service, address,
            $"pid {process.Pid} {(killed ? "killed (no exit within 10 s)" : "stopped")}, pid {started.Pid} listening");
    }

    public void Dispose() => http.Dispose();

    private (LabState State, LabTopology Topology, LabRegion Region) Load(string region, string service)
    {
        if (!string.Equals(service, Service, StringComparison.OrdinalIgnoreCase))
        {
            throw new BadInputException($"service '{service}': the lab runs only '{Service}'");
        }

        var state = LabState.Load(labDirectory)
            ?? throw new DrConfigurationException($"no lab is up in {labDirectory}: the lab compute provider has nothing to act on");
        var topology = LabTopologyParser.Load(state.TopologyFile);
        var target = topology.Regions.FirstOrDefault(r => string.Equals(r.Name, region, StringComparison.OrdinalIgnoreCase))
            ?? throw new BadInputException($"no region '{region}' in the lab");
        return (state, topology, target);
    }

    private async Task<InstanceDrained> SetDrainingAsync(string address, int port, bool draining, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync($"http://{address}:{port}/maintenance", new { draining }, cancellationToken);
            response.EnsureSuccessStatusCode();
            return new InstanceDrained(address, Reachable: true, draining ? "drained" : "serving");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new InstanceDrained(address, Reachable: false, e.Message);
        }
    }
}
