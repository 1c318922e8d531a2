using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Lab.Redis;
using CausalEval.Dr.Lab.Topology;
using CausalEval.Dr.Lab.Workload;

namespace CausalEval.Dr.Lab;

/// <param name="KilledAt">When the first signal went out: the moment the region was lost.</param>
public sealed record RegionKilled(string Region, DateTimeOffset KilledAt, IReadOnlyList<string> Processes);

public sealed record RegionRevived(string Region, DateTimeOffset RevivedAt, IReadOnlyList<string> Processes);

public sealed record ServicePaused(string Service, IReadOnlyList<int> Pids, DateTimeOffset PausedAt, DateTimeOffset ResumedAt);

/// <summary>
/// Failure injection: `dr lab kill REGION` (the region is gone: SIGKILL to everything of it at once),
/// `dr lab revive REGION` (it comes back exactly as it was configured, knowing nothing of what happened
/// meanwhile: its agent boots its PostgreSQL, which is what lets the DR state fence it), and
/// `dr lab pause SERVICE --seconds N` (SIGSTOP, then SIGCONT: a blip).
/// </summary>
public sealed partial class LabController
{
    public async Task<RegionKilled> KillAsync(string region)
    {
        var (state, topology) = LoadRunning();
        var target = RegionNamed(topology, region);
        var victims = state.Processes.Where(p => p.Region == target.Name && p.KilledAt is null).ToList();
        var killedAt = DateTimeOffset.UtcNow;
        // Freeze first, so nothing of the region acts after the moment it was lost, then kill.
        var frozen = victims.Where(p => p.Kind != "postgres" && p.MayBeAlive).Select(p => p.Pid.ToString()).ToArray();
        if (frozen.Length > 0)
        {
            await ProcessRunner.RunQuietAsync("kill", ["-STOP", .. frozen]);
        }

        var clusters = victims.Where(p => p.Kind == "postgres" && p.DataDirectory is not null)
            .Select(p => (p.DataDirectory!, Pid: LabPostgres.RunningPid(p.DataDirectory!)))
            .Where(c => c.Pid is not null)
            .Select(c => ClusterProcesses.KillAllAsync(c.Pid!.Value, c.Item1));
        if (frozen.Length > 0)
        {
            await ProcessRunner.RunQuietAsync("kill", ["-KILL", .. frozen]);
        }

        await Task.WhenAll(clusters);
        foreach (var pid in frozen.Select(int.Parse))
        {
            while (DetachedProcess.IsAlive(pid))
            {
                await Task.Delay(5);
            }
        }

        LabState.Update(labDirectory, s =>
        {
            foreach (var victim in victims)
            {
                s.Put(victim with { KilledAt = killedAt });
            }
        });
        return new RegionKilled(target.Name, killedAt, victims.Select(v => v.Name).ToList());
    }

    public async Task<RegionRevived> ReviveAsync(string region, Action<string>? progress = null)
    {
        var (state, topology) = LoadRunning();
        var target = RegionNamed(topology, region);
        var dead = state.Processes.Where(p => p.Region == target.Name && !p.MayBeAlive && !(p.Kind == "postgres" && IsRunning(p))).ToList();
        var revived = new List<string>();
        void Started(LabProcess process)
        {
            LabState.Update(labDirectory, s => s.Put(process));
            revived.Add(process.Name);
            progress?.Invoke($"{process.Name} up on {process.Address}:{string.Join(',', process.Ports)} (pid {process.Pid})");
        }

        foreach (var redis in dead.Where(p => p.Kind == "redis"))
        {
            (string, int)? replicaOf = target.Role == Core.Topology.RegionRole.Primary ? null : (topology.Primary.Address, state.Ports["redis"]);
            Started(redis.Restarted(await LabRedis.StartAsync(RedisDirectory(target), target.Address, state.Ports["redis"], replicaOf)));
        }

        await ReviveFileStoresAsync(target, dead, Started);

        // The agent boots PostgreSQL (consulting the DR state first), as on a host that comes back.
        var postgres = dead.FirstOrDefault(p => p.Kind == "postgres");
        if (dead.Any(p => p.Kind == "agent") && state.Processes.First(p => p.Kind == "postgres" && p.Region == target.Name).DataDirectory is { } data)
        {
            await StartAgentsAsync(state, Started, [(target, data)], startPostgres: postgres is not null);
            if (postgres is not null)
            {
                var agentLog = Path.Combine(Run, LabSettings.AgentOf(target) + ".log");
                var pid = await WaitPostmasterAsync(data, TimeSpan.FromSeconds(60))
                    ?? throw new InvalidOperationException($"the agent of {target.Name} did not start its PostgreSQL; see {agentLog}");
                Started(postgres.Restarted(pid));
            }
        }

        var workloads = dead.Where(p => p.Kind == "workload").Select(p => int.Parse(p.Name[(p.Name.LastIndexOf('-') + 1)..]));
        foreach (var started in await Task.WhenAll(workloads.Select(i
            => LabWorkloads.StartAsync(dr, Run, target, i, state.Ports["workload"], mustBeHealthy: false))))
        {
            Started(started);
        }

        return new RegionRevived(target.Name, DateTimeOffset.UtcNow, revived);
    }

    /// <summary>Pauses one process (PostgreSQL: every process of the cluster) for <paramref name="duration"/>, then resumes it.</summary>
    public async Task<ServicePaused> PauseAsync(string service, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromMinutes(10))
        {
            throw new BadInputException($"--seconds {duration.TotalSeconds}: a pause lasts more than 0 and at most 600 seconds");
        }

        var (state, _) = LoadRunning();
        var process = state.Find(service)
            ?? throw new BadInputException($"no service '{service}' in the lab (services: {string.Join(", ", state.Processes.Select(p => p.Name))})");
        var pids = process.Kind == "postgres" && process.DataDirectory is { } data && LabPostgres.RunningPid(data) is { } postmaster
            ? ClusterProcesses.Of(postmaster, data).Prepend(postmaster).ToList()
            : process.MayBeAlive ? [process.Pid] : [];
        if (pids.Count == 0)
        {
            throw new BadInputException($"{service} is not running: nothing to pause");
        }

        var args = pids.Select(p => p.ToString()).ToArray();
        var pausedAt = DateTimeOffset.UtcNow;
        await ProcessRunner.RunQuietAsync("kill", ["-STOP", .. args]);
        try
        {
            await Task.Delay(duration, cancellationToken);
        }
        finally
        {
            await ProcessRunner.RunQuietAsync("kill", ["-CONT", .. args]);
        }

        return new ServicePaused(service, pids, pausedAt, DateTimeOffset.UtcNow);
    }

    private (LabState State, LabTopology Topology) LoadRunning()
    {
        var state = LabState.Load(labDirectory) ?? throw new BadInputException($"no lab is up in {labDirectory} (dr lab up starts one)");
        return (state, LabTopologyParser.Load(state.TopologyFile));
    }

    private static LabRegion RegionNamed(LabTopology topology, string name) =>
        topology.Regions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new BadInputException($"no region '{name}' in the lab (regions: {string.Join(", ", topology.Regions.Select(r => r.Name))})");

    private static bool IsRunning(LabProcess postgres) =>
        postgres.DataDirectory is { } data && LabPostgres.RunningPid(data) is not null;

    private static async Task<int?> WaitPostmasterAsync(string dataDirectory, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (LabPostgres.RunningPid(dataDirectory) is { } pid)
            {
                return pid;
            }

            await Task.Delay(50);
        }

        return null;
    }
}
