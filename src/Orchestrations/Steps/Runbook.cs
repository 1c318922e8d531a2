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
    /// <summary>The steps the runbook plans, for "step i of n" (a loop may plan more than one per input).</summary>
    protected virtual int StepCount(TInput input) => 1;

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

/// <summary>An input that says who started the run: "manual", "schedule", "dr backup run", "monitor".</summary>
public interface ITriggeredInput
{
    string? Trigger { get; }
}

/// <summary>An orchestration input that can say what is wrong with it before anything is scheduled.</summary>
public interface IValidatedInput
{
    /// <summary>Null when the input is usable, else one line naming the problem.</summary>
    string? Validate();
}
