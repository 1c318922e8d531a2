using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Adapters.Faults;

/// <summary>
/// Region loss on real hosts, as close to losing them as can be taken back: each lost region's database nodes are
/// stopped immediately through their agents (no shutdown checkpoint: a crash), and the compute provider stops the
/// region's services. The undo starts the databases through their agents, which consult the DR state first (a node the
/// service failed away from meanwhile comes back fenced), then the services at the region's normal capacity.
/// Both check each node and service first and only act on what they find.
/// </summary>
public sealed class HostRegionLoss(TopologyOptions topology, NodeAgents agents, ICompute compute) : IFaultInjector
{
    public string Name => "hosts";

    public async Task<FaultInjected> InjectAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        var regions = RegionsOf(fault);
        var actions = new List<string>();
        DateTimeOffset? first = null; // when the first thing was stopped; null while everything was found stopped already
        foreach (var (name, region) in regions)
        {
            foreach (var node in region.Database.Nodes)
            {
                var agent = agents.For(node.Name);
                if (!(await agent.StatusAsync(cancellationToken)).Running)
                {
                    actions.Add($"{name}: {node.Name} already stopped");
                    continue;
                }

                first ??= DateTimeOffset.UtcNow;
                await agent.StopAsync("immediate", cancellationToken);
                actions.Add($"{name}: {node.Name} stopped immediately");
            }

            foreach (var service in region.Compute?.Services.Keys ?? Enumerable.Empty<string>())
            {
                var stoppedAt = DateTimeOffset.UtcNow;
                var stopped = await compute.StopServiceAsync(name, service, cancellationToken);
                if (stopped.Count > 0)
                {
                    first ??= stoppedAt;
                }

                actions.Add(stopped.Count > 0 ? $"{name}: {service} stopped ({string.Join(", ", stopped)})" : $"{name}: {service} already stopped");
            }
        }

        return new FaultInjected(Name, first ?? DateTimeOffset.UtcNow, AlreadyActive: first is null, actions);
    }

    public async Task<FaultUndone> UndoAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        var regions = RegionsOf(fault);
        var actions = new List<string>();
        var wasActive = false;
        foreach (var (name, region) in regions)
        {
            foreach (var node in region.Database.Nodes)
            {
                var agent = agents.For(node.Name);
                if ((await agent.StatusAsync(cancellationToken)).Running)
                {
                    actions.Add($"{name}: {node.Name} was running");
                    continue;
                }

                wasActive = true;
                var started = await agent.StartAsync(cancellationToken);
                actions.Add($"{name}: {node.Name} started as {started.Role.ToString().ToLowerInvariant()}{(started.Fenced ? ", fenced" : "")}");
            }

            // Back to the region's normal capacity; a service that normally runs nothing (a cold region) stays so.
            foreach (var (service, scale) in (region.Compute?.Services ?? []).Where(s => s.Value.Normal > 0))
            {
                var scaled = await compute.ScaleAsync(name, service, scale.Normal, cancellationToken);
                wasActive |= scaled.Started > 0;
                actions.Add($"{name}: {service} at {scaled.Replicas} ({scaled.Started} started)");
            }
        }

        return new FaultUndone(Name, wasActive, actions);
    }

    /// <summary>Every region named, checked before anything is stopped: an unknown one touches nothing.</summary>
    private List<(string Name, RegionOptions Region)> RegionsOf(FaultRequest fault)
    {
        if (fault.Regions.Count == 0)
        {
            throw new BadInputException("a region-loss fault needs at least one region");
        }

        return fault.Regions.Select(name => topology.Regions.TryGetValue(name, out var region)
            ? (name, region)
            : throw new BadInputException($"region '{name}' is not in the topology ({string.Join(", ", topology.Regions.Keys)})")).ToList();
    }
}
