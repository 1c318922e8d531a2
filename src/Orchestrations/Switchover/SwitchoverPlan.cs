namespace CausalEval.Dr.Orchestrations.Switchover;

/// <summary>
/// What a switchover will do, decided once by <see cref="PlanSwitchover"/>: from which node to which, at which
/// epoch of the DR state, and what served the public name before (so an abort can put it back).
/// </summary>
/// <param name="Epoch">The DR state's epoch before the switchover; it writes Epoch + 1.</param>
/// <param name="LagBytes">WAL the standby had not replayed when it was checked.</param>
/// <param name="ApiBefore">The addresses the public record named before: an aborted switchover points it back at them.</param>
public sealed record SwitchoverPlan(
    string From,
    string FromNode,
    string FromHost,
    int FromPort,
    string To,
    string ToNode,
    string ToHost,
    int ToPort,
    int Epoch,
    int StandbyTimeline,
    long LagBytes,
    IReadOnlyList<string> ApiBefore);
