using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>Takes the drill's fault back (the regions come back as hosts that restart would). Safe before, after, or without the injection.</summary>
public sealed class UndoFault(FaultInjectors injectors) : DrActivity<UndoFault, FaultInput, FaultUndone>
{
    public override Task<FaultUndone> RunAsync(TaskActivityContext context, FaultInput input) => injectors.For(input.Injector).UndoAsync(input.Request);
}
