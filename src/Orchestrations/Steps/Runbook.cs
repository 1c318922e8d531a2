using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>
/// Base of every runbook. A runbook writes only its steps (<see cref="RunStepsAsync"/>), top to bottom; this
/// class checks the input and the version first, and on any failure undoes what registered an undo, records
/// the failed run and fails the orchestration with an error of the root cause's kind. Every run, success or
/// failure, leaves a run record.
/// </summary>
public abstract class Runbook<TInput, TOutput> : TaskOrchestrator<TInput, TOutput>
{
    /// <summary>
    /// The steps the runbook plans, for "step i of n": the steps of its code, every branch included (read at build time,
    /// <see cref="PlannedSteps"/>); a runbook whose loop makes the count depend on its input says so here.
    /// </summary>
    protected virtual int StepCount(TInput input) => Math.Max(1, PlannedSteps.Of(GetType()).Count);

    protected abstract Task<TOutput> RunStepsAsync(RunbookRun run, TInput input);

    public sealed override async Task<TOutput> RunAsync(TaskOrchestrationContext context, TInput input)
    {
        var definition = RunbookRegistry.Find(GetType());
        var name = definition?.Name ?? GetType().Name;
        var version = RunbookVersions.Normalize(context.Version);
        var run = new RunbookRun(context, name, version, (input as ITriggeredInput)?.Trigger ?? "manual", StepCount(input), definition?.Backs);
        TOutput output;
        try
        {
            RunbookVersions.EnsureKnown(name, version, definition?.Version ?? RunbookVersions.First);
            if (input is IValidatedInput validated && validated.Validate() is { } problem)
            {
                throw new BadInputException(problem);
            }

            output = await RunStepsAsync(run, input);
        }
        catch (Exception e)
        {
            await run.CompensateAsync();
            var error = run.ErrorOf(e);
            await run.RecordAsync(RunOutcome.Failed, error);
            if (e is DrException)
            {
                throw;
            }

            throw ErrorKinds.Create(error.Kind, error.Message);
        }

        if (!run.ContinuedAsNew)
        {
            await run.RecordAsync(RunOutcome.Succeeded, null);
        }

        return output;
    }
}

/// <summary>
/// An input that says who started the run: "schedule", "monitor", or (null) "manual": a person, through the API.
/// Only a starter sets it (the scheduler, the monitor, a runbook starting another): a caller of the API cannot.
/// </summary>
public interface ITriggeredInput
{
    [StarterOwned("the starter: the scheduler, the monitor, or \"manual\" for a start through the API")]
    string? Trigger { get; }
}

/// <summary>
/// A field of a runbook's input that only its starter sets, never a caller of the API: naming it in a start
/// request is refused (400 naming the field), so no caller can, say, skip a failover's approval gate by
/// claiming to be the monitor or move the RTO clock by setting when the outage was detected.
/// </summary>
/// <param name="SetBy">Who sets it, for the refusal's text.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class StarterOwnedAttribute(string SetBy) : Attribute
{
    public string SetBy { get; } = SetBy;
}

/// <summary>An orchestration input that can say what is wrong with it before anything is scheduled.</summary>
public interface IValidatedInput
{
    /// <summary>Null when the input is usable, else one line naming the problem.</summary>
    string? Validate();
}
