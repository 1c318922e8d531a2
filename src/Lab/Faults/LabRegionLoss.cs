using CausalEval.Dr.Adapters.Faults;

namespace CausalEval.Dr.Lab.Faults;

/// <summary>
/// Region loss on the lab: every process of each lost region is frozen and killed at once (`dr lab kill`), and the undo
/// revives them as a host that comes back would (`dr lab revive`: its agent boots PostgreSQL after consulting the DR
/// state, so a region failed away from comes back fenced). Both only act on what they find: a killed region is not
/// killed again, a running one not revived.
/// </summary>
public sealed class LabRegionLoss(LabController lab) : IFaultInjector
{
    public string Name => "lab";

    public async Task<FaultInjected> InjectAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        var killed = new List<RegionKilled>();
        foreach (var region in fault.Regions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            killed.Add(await lab.KillAsync(region));
        }

        var acted = killed.Where(k => k.Processes.Count > 0).ToList();
        return new FaultInjected(Name, acted.Count > 0 ? acted.Min(k => k.KilledAt) : DateTimeOffset.UtcNow, AlreadyActive: acted.Count == 0,
            killed.Select(k => k.Processes.Count > 0 ? $"{k.Region}: killed {string.Join(", ", k.Processes)}" : $"{k.Region}: already down").ToList());
    }

    public async Task<FaultUndone> UndoAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        var revived = new List<RegionRevived>();
        foreach (var region in fault.Regions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            revived.Add(await lab.ReviveAsync(region));
        }

        return new FaultUndone(Name, revived.Any(r => r.Processes.Count > 0),
            revived.Select(r => r.Processes.Count > 0 ? $"{r.Region}: revived {string.Join(", ", r.Processes)}" : $"{r.Region}: was running").ToList());
    }
}
