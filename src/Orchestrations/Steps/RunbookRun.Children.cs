using CausalEval.Dr.Core.Runs;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>Why a run was told to stop: `dr drill abort`, or a stop condition the runbook itself saw fire.</summary>
public sealed record AbortRequest(string By, string Reason);

/// <summary>A run stopped by <see cref="AbortRequest"/>: it undoes what it did, like any failure, and says who asked.</summary>
public sealed class RunAbortedException(string message) : Core.Errors.DrException(message);

public sealed partial class RunbookRun
{
    /// <summary>The event `dr drill abort` raises.</summary>
    public const string AbortEvent = "Abort";

    private Task<AbortRequest?>? abort;

    /// <summary>
    /// Another runbook as one step, run as a sub-orchestration under <c>{this id}-{suffix}</c> (deterministic: a replay
    /// finds it): it keeps its own run record and step timeline, which a drill reads for each step's share.
    /// </summary>
    public async Task<TOutput> SubRunbookAsync<TOutput>(string name, string runbook, string idSuffix, object input)
    {
        var id = $"{InstanceId}-{idSuffix}";
        var started = Begin(name, $"{runbook} {id}");
        try
        {
            var output = await context.CallSubOrchestratorAsync<TOutput>(runbook, input, new SubOrchestrationOptions { InstanceId = id });
            End(name, started, StepOutcome.Succeeded, attempts: 1, id);
            return output;
        }
        catch (Exception e)
        {
            throw Failed(name, started, 1, e);
        }
    }

    /// <summary>The instance id <see cref="SubRunbookAsync{TOutput}"/> gives a child.</summary>
    public string ChildId(string idSuffix) => $"{InstanceId}-{idSuffix}";

    /// <summary>
    /// Listens for <see cref="AbortEvent"/> from here on (once per run: an event is delivered to one waiter). Between steps,
    /// <see cref="ThrowIfAborted"/> and <see cref="PauseAsync"/> act on it.
    /// </summary>
    public void AcceptAbort() => abort ??= context.WaitForExternalEvent<AbortRequest?>(AbortEvent);

    /// <summary>Fails the run (so its undo steps run) when an abort arrived.</summary>
    public void ThrowIfAborted()
    {
        if (abort is { IsCompleted: true } arrived)
        {
            var request = arrived.Result;
            throw new RunAbortedException($"aborted by {request?.By ?? "someone"}: {request?.Reason ?? "no reason given"}");
        }
    }

    /// <summary>A wait that an abort cuts short (and then throws): the drills' polling pause.</summary>
    public async Task PauseAsync(TimeSpan delay)
    {
        ThrowIfAborted();
        if (abort is null)
        {
            await context.CreateTimer(delay, CancellationToken.None);
            return;
        }

        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(delay, cancel.Token);
        if (await Task.WhenAny(timer, abort) != timer)
        {
            cancel.Cancel();
        }

        ThrowIfAborted();
    }

    /// <summary>
    /// Waits for <paramref name="work"/> at most <paramref name="limit"/>: true when it ended in time. An abort ends the wait
    /// (and throws). The timer is cancelled once the wait is over: an orchestration does not complete while one is pending.
    /// </summary>
    public async Task<bool> EndsWithinAsync(Task work, TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(limit, cancel.Token);
        var first = await Task.WhenAny(abort is null ? [work, timer] : [work, timer, abort]);
        if (first != timer)
        {
            cancel.Cancel();
        }

        ThrowIfAborted();
        return first == work;
    }

    /// <summary>
    /// The next <paramref name="name"/> event, or null after <paramref name="wait"/> (the timer is cancelled when the event
    /// comes first: a pending timer would keep the run from completing). An event raised meanwhile is kept for the next call.
    /// </summary>
    public async Task<T?> NextEventAsync<T>(string name, TimeSpan wait) where T : class
    {
        using var cancel = new CancellationTokenSource();
        var received = context.WaitForExternalEvent<T?>(name, cancel.Token);
        var timer = context.CreateTimer(wait, cancel.Token);
        var first = await Task.WhenAny(received, timer);
        cancel.Cancel();
        return first == received ? received.Result : null;
    }

    /// <summary>A step done outside the run's own code (a person's tick, a runbook's completion seen), recorded when it is seen.</summary>
    public void Mark(string name, StepOutcome outcome, string detail) => End(name, Begin(name, detail), outcome, attempts: 1, detail);

    /// <summary>Steps an earlier execution recorded (a run that continued as new keeps its record whole).</summary>
    public void Carry(IEnumerable<Core.Runs.StepRecord> earlier) => steps.InsertRange(0, earlier);

    /// <summary>Undoes what registered an undo, now (a drill that cleans up before it writes its report); the stack is then empty.</summary>
    public Task UndoNowAsync() => CompensateAsync();
}

public sealed partial class RunbookRun
{
    /// <summary>An activity asked inside a <see cref="PollAsync{T}"/> round: retried like a step, but no step of its own.</summary>
    public Task<TOutput> AskAsync<TInput, TOutput>(ActivityRef<TInput, TOutput> activity, TInput input) =>
        CallAsync<TOutput>(activity.Name, input, StepOptions.Retried, () => { });

    /// <summary>
    /// One step that asks until it has an answer: <paramref name="round"/> returns null to be asked again after
    /// <paramref name="every"/> (an abort cuts the pause short), or throws to fail the step (a stop condition); past
    /// <paramref name="timeout"/> the step times out. The record shows one bar, with the number of rounds as attempts.
    /// </summary>
    public async Task<T> PollAsync<T>(string name, Func<Task<T?>> round, TimeSpan every, TimeSpan timeout) where T : class
    {
        var started = Begin(name);
        var rounds = 0;
        try
        {
            while (true)
            {
                rounds++;
                if (await round() is { } answer)
                {
                    End(name, started, StepOutcome.Succeeded, rounds, detail);
                    return answer;
                }

                if (Now - started > timeout)
                {
                    throw new Core.Errors.StepTimedOutException($"no answer after {timeout.TotalSeconds:0} s ({detail})");
                }

                await PauseAsync(every);
            }
        }
        catch (Exception e)
        {
            throw Failed(name, started, rounds, e);
        }
    }
}
