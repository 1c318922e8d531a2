using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Compute;
using CausalEval.Dr.Lab.Faults;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Lab;

/// <summary>
/// Region loss behind the drills' injection interface, on a real lab, both ways it can be done there:
/// - the lab's own (every process of the secondary region killed, its agent unreachable; revived as it was);
/// - as on real hosts (the secondary's standby stopped immediately through its agent, its workloads stopped by the
///   compute provider; started again through the agent, the workloads back at the region's normal capacity).
/// Each time a second injection finds the fault in force and changes nothing, the undo brings the standby back streaming
/// from the primary, and a second undo finds everything running.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Lab_region_loss_is_injected_once_and_undone_test(LabFixture lab) : IClassFixture<LabFixture>, IDisposable
{
    private static readonly FaultRequest LoseSecondary = new("drill-lab-1", ["secondary"]);

    private readonly Adapters.Agents.NodeAgents agents = lab.Agents();

    private LabRegionLoss Faults => new(new LabController(lab.LabDirectory, new DrCommand("dotnet", [RepoPaths.DrDll])));

    private IReadOnlyList<LabProcess> Secondary => LabState.Load(lab.LabDirectory)!.Processes.Where(p => p.Region == "secondary").ToList();

    [Fact]
    public async Task The_region_is_killed_once_and_revived_as_it_was()
    {
        var injected = await Faults.InjectAsync(LoseSecondary);

        Assert.False(injected.AlreadyActive);
        Assert.Equal(["agent", "files", "postgres", "redis", "workload"], Secondary.Select(p => p.Kind).Distinct().Order());
        Assert.All(Secondary, p => Assert.False(p.MayBeAlive, $"{p.Name} still runs"));
        await Assert.ThrowsAnyAsync<Exception>(() => agents.For("secondary-db").StatusAsync());
        var again = await Faults.InjectAsync(LoseSecondary);
        Assert.True(again.AlreadyActive);
        Assert.Equal(["secondary: already down"], again.Actions);

        var undone = await Faults.UndoAsync(LoseSecondary);

        Assert.True(undone.WasActive);
        Assert.All(Secondary, p => Assert.True(p.MayBeAlive, $"{p.Name} was not revived"));
        Assert.Equal((NodeRole.Standby, "streaming"), await StreamingAsync());
        Assert.False((await Faults.UndoAsync(LoseSecondary)).WasActive);
    }

    [Fact]
    public async Task The_hosts_database_and_services_are_stopped_once_and_started_again()
    {
        var topology = lab.Topology();
        using var compute = new LabCompute(lab.LabDirectory, new DrCommand("dotnet", [RepoPaths.DrDll]));
        var hosts = new HostRegionLoss(topology, agents, compute);
        var normal = topology.Regions["secondary"].Compute!.Services[LabCompute.Service].Normal;

        var injected = await hosts.InjectAsync(LoseSecondary);

        Assert.False(injected.AlreadyActive);
        Assert.Contains("secondary: secondary-db stopped immediately", injected.Actions);
        Assert.False((await agents.For("secondary-db").StatusAsync()).Running);
        Assert.Empty(await compute.RunningAsync("secondary", LabCompute.Service));
        var again = await hosts.InjectAsync(LoseSecondary);
        Assert.True(again.AlreadyActive, string.Join("; ", again.Actions));

        var undone = await hosts.UndoAsync(LoseSecondary);

        Assert.True(undone.WasActive);
        Assert.Contains("secondary: secondary-db started as standby", undone.Actions);
        Assert.Equal(normal, (await compute.RunningAsync("secondary", LabCompute.Service)).Count);
        Assert.Equal((NodeRole.Standby, "streaming"), await StreamingAsync());
        Assert.False((await hosts.UndoAsync(LoseSecondary)).WasActive);
    }

    public void Dispose() => agents.Dispose();

    private async Task<(NodeRole, string?)> StreamingAsync()
    {
        NodeStatus? standby = null;
        for (var i = 0; i < 150 && standby?.Upstream?.Status != "streaming"; i++)
        {
            await Task.Delay(200);
            standby = await agents.For("secondary-db").StatusAsync();
        }

        return (standby!.Role, standby.Upstream?.Status);
    }
}
