namespace CausalEval.Dr.Adapters.Faults;

/// <summary>What a drill breaks: whole regions lost (the primary's for a failover test, both live ones for a full simulation).</summary>
/// <param name="Drill">The drill's instance id: what an injector does is named after it.</param>
public sealed record FaultRequest(string Drill, IReadOnlyList<string> Regions);

/// <param name="At">When the fault took effect as far as the injector can tell (the RTO clock of the drill starts here).</param>
/// <param name="AlreadyActive">A rerun found the fault in force already and changed nothing.</param>
/// <param name="Actions">What was done, one line each ("chaos experiment …/region-loss-primary: execution 5f1… running").</param>
public sealed record FaultInjected(string Injector, DateTimeOffset At, bool AlreadyActive, IReadOnlyList<string> Actions);

/// <param name="WasActive">False when nothing of the fault was in force (an undo rerun, or an injection that never ran).</param>
public sealed record FaultUndone(string Injector, bool WasActive, IReadOnlyList<string> Actions);

/// <summary>
/// How a drill injects its fault and takes it back: the lab (its processes killed and revived), real hosts (their node
/// agents and compute provider), or Azure Chaos Studio (an experiment started and cancelled). Both calls check the
/// current state first and are safe to repeat: a drill registers the undo before it injects, and an undo may run for
/// an injection that never happened.
/// </summary>
public interface IFaultInjector
{
    /// <summary>Short name for reports ("lab", "hosts", "chaos-studio").</summary>
    string Name { get; }

    Task<FaultInjected> InjectAsync(FaultRequest fault, CancellationToken cancellationToken = default);

    Task<FaultUndone> UndoAsync(FaultRequest fault, CancellationToken cancellationToken = default);
}
