using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Injector">The injector the drill planned (<see cref="FaultInjectors"/>).</param>
/// <param name="Regions">The regions lost.</param>
public sealed record FaultInput(string Injector, string Drill, IReadOnlyList<string> Regions)
{
    internal FaultRequest Request => new(Drill, Regions);
}

/// <summary>The drill's fault: the regions lost, through the planned injector. Finds a fault in force and changes nothing (a retry).</summary>
public sealed class InjectFault(FaultInjectors injectors) : DrActivity<InjectFault, FaultInput, FaultInjected>
{
    public override Task<FaultInjected> RunAsync(TaskActivityContext context, FaultInput input) => injectors.For(input.Injector).InjectAsync(input.Request);
}
