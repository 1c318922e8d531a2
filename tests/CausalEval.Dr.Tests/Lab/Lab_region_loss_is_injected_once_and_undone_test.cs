using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Faults;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Lab;

/// <summary>
/// The lab's region loss behind the drills' injection interface, on a real lab: the secondary region is killed (every
/// process of it dead, its agent unreachable), a second injection finds it down and changes nothing, the undo revives it
/// (its standby streams from the primary again, its workloads run), and a second undo finds it running.
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
        Assert.Equal(["agent", "postgres", "redis", "workload"], Secondary.Select(p => p.Kind).Distinct().Order());
        Assert.All(Secondary, p => Assert.False(p.MayBeAlive, $"{p.Name} still runs"));
        await Assert.ThrowsAnyAsync<Exception>(() => agents.For("secondary-db").StatusAsync());
        var again = await Faults.InjectAsync(LoseSecondary);
        Assert.True(again.AlreadyActive);
        Assert.Equal(["secondary: already down"], again.Actions);

        var undone = await Faults.UndoAsync(LoseSecondary);

        Assert.True(undone.WasActive);
        Assert.All(Secondary, p => Assert.True(p.MayBeAlive, $"{p.Name} was not revived"));
        NodeStatus? standby = null;
        for (var i = 0; i < 150 && standby?.Upstream?.Status != "streaming"; i++)
        {
            await Task.Delay(200);
            standby = await agents.For("secondary-db").StatusAsync();
        }

        Assert.Equal((NodeRole.Standby, "streaming"), (standby!.Role, standby.Upstream?.Status));
        Assert.False((await Faults.UndoAsync(LoseSecondary)).WasActive);
    }

    public void Dispose() => agents.Dispose();
}
