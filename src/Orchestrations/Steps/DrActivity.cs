using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>An activity by type: its task name, and the input and output the compiler checks at every step that calls it.</summary>
public sealed record ActivityRef<TInput, TOutput>(string Name);

/// <summary>
/// Base of every activity: a <see cref="TaskActivity{TInput, TOutput}"/> that also gives runbooks a typed reference to
/// call it by (<c>run.StepAsync("plan", PlanSwitchover.Ref, new PlanSwitchoverInput(…))</c>), so a wrong input or
/// output type is a compile error, not a run that fails when it gets there.
/// </summary>
public abstract class DrActivity<TSelf, TInput, TOutput> : TaskActivity<TInput, TOutput>
    where TSelf : DrActivity<TSelf, TInput, TOutput>
{
    /// <summary>The typed reference: task names are the class names.</summary>
    public static ActivityRef<TInput, TOutput> Ref { get; } = new(typeof(TSelf).Name);
}
