using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>
/// The run of one runbook instance. Every step goes through it, so every run has the same status shape, the
/// same retry, timeout and error rules, and a record of its steps (name, window, outcome, attempts) taken
/// from the replay-safe clock. Deterministic: it touches nothing but the orchestration context.
/// </summary>
public sealed partial class RunbookRun
{
    private readonly TaskOrchestrationContext context;
    private readonly List<StepRecord> steps = [];
    private readonly Stack<Compensation> compensations = new();
    private readonly Dictionary<string, double> figures = new(StringComparer.Ordinal);
    private int index;
    private string step = "starting";
    private DateTime stepStartedAt;
    private string? detail;
    private bool awaitingDecision;
    private (Exception Exception, RunError Error)? lastFailure;

    private sealed record Compensation(string Name, string Activity, object? Input, StepOptions Options);

    public RunbookRun(TaskOrchestrationContext context, string runbook, string version, string trigger, int stepCount, BackupKind? backupKind = null)
    {
        this.context = context;
        Runbook = runbook;
        Version = version;
        Trigger = trigger;
        StepCount = stepCount;
        BackupKind = backupKind;
        StartedAt = stepStartedAt = context.CurrentUtcDateTime;
    }

    public string Runbook { get; }

    /// <summary>The version this instance started on; a runbook with several versions branches on it.</summary>
    public string Version { get; }

    public string Trigger { get; }

    public BackupKind? BackupKind { get; }

    public DateTime StartedAt { get; }

    /// <summary>How many steps the runbook plans (the "n" of "step i of n").</summary>
    public int StepCount { get; set; }

    /// <summary>What the run acts on (a backup id, a node): shown in the status and recorded.</summary>
    public string? Subject { get; set; }

    /// <summary>The orchestration's replay-safe clock.</summary>
    public DateTime Now => context.CurrentUtcDateTime;

    public string InstanceId => context.InstanceId;

    public IReadOnlyList<StepRecord> Steps => steps;

    public bool ContinuedAsNew { get; private set; }

    /// <summary>A figure for the run record (sizes, counts, seconds): what reports aggregate.</summary>
    public void Report(string figure, double value) => figures[figure] = value;

    /// <summary>Replaces the current step's detail (progress of long work) in the status.</summary>
    public void SetDetail(string? text)
    {
        detail = text;
        PublishStatus();
    }

    /// <summary>One step: one activity, with the step's retry policy and per-attempt timeout; the compiler checks its input and output.</summary>
    public Task<TOutput> StepAsync<TInput, TOutput>(string name, ActivityRef<TInput, TOutput> activity, TInput input, StepOptions? options = null) =>
        StepAsync<TOutput>(name, activity.Name, input, options);

    /// <summary>One step made of the same activity run on several inputs at once (fan-out, fan-in).</summary>
    public Task<IReadOnlyList<TOutput>> ParallelAsync<TInput, TOutput>(string name, ActivityRef<TInput, TOutput> activity, IReadOnlyList<TInput> inputs,
        StepOptions? options = null) =>
        ParallelAsync<TOutput>(name, activity.Name, inputs.Select(i => (object?)i).ToList(), options);

    /// <summary>
    /// Registers how to undo what the last step did. If the run fails later, the undo steps run in reverse
    /// order of registration (a saga); on success they are dropped.
    /// </summary>
    public void OnFailureUndo<TInput, TOutput>(string name, ActivityRef<TInput, TOutput> activity, TInput input, StepOptions? options = null) =>
        compensations.Push(new Compensation(name, activity.Name, input, options ?? StepOptions.Retried));

    /// <summary>A step by task name, for an activity that has no class (a test's scripted one); runbooks call by <see cref="ActivityRef{TInput,
    /// TOutput}"/>.</summary>
    public async Task<T> StepAsync<T>(string name, string activity, object? input, StepOptions? options = null)
    {
        var started = Begin(name);
        var attempts = 0;
        try
        {
            var result = await CallAsync<T>(activity, input, options ?? StepOptions.Once, () => attempts++);
            End(name, started, StepOutcome.Succeeded, attempts);
            return result;
        }
        catch (Exception e)
        {
            throw Failed(name, started, attempts, e);
        }
    }

    /// <summary>A fan-out by task name, for an activity that has no class; runbooks call by <see cref="ActivityRef{TInput, TOutput}"/>.</summary>
    public async Task<IReadOnlyList<T>> ParallelAsync<T>(string name, string activity, IReadOnlyList<object?> inputs, StepOptions? options = null)
    {
        var started = Begin(name, $"{inputs.Count} in parallel");
        var attempts = 0;
        try
        {
            var results = await Task.WhenAll(inputs.Select(input => CallAsync<T>(activity, input, options ?? StepOptions.Once, () => attempts++)));
            End(name, started, StepOutcome.Succeeded, attempts);
            return results;
        }
        catch (Exception e)
        {
            throw Failed(name, started, attempts, e);
        }
    }

    /// <summary>
    /// Waits for an Approve or Reject event (who, why) at most <paramref name="timeout"/>. The outcome is
    /// recorded as the step's; a timeout is never an approval. The runbook decides what a "no" means.
    /// </summary>
    public async Task<ApprovalOutcome> ApprovalAsync(string name, TimeSpan timeout)
    {
        var started = Begin(name, $"waiting for {ApprovalEvents.Approve} or {ApprovalEvents.Reject} (at most {timeout.TotalSeconds:0} s)",
            awaitingDecision: true);
        var gate = index;
        using var cancel = new CancellationTokenSource();
        var approve = context.WaitForExternalEvent<ApprovalDecision?>(ApprovalEvents.Approve, cancel.Token);
        var reject = context.WaitForExternalEvent<ApprovalDecision?>(ApprovalEvents.Reject, cancel.Token);
        var deadline = context.CreateTimer(timeout, cancel.Token);
        ApprovalOutcome? outcome = null;
        while (outcome is null)
        {
            var first = await Task.WhenAny(approve, reject, deadline);
            if (first == deadline)
            {
                outcome = new ApprovalOutcome(ApprovalVerdict.TimedOut, null, null, Now);
                continue;
            }

            var approved = first == approve;
            var decision = (approved ? approve : reject).Result;
            if (decision is null || !decision.Decides(gate))
            {
                // A decision for another gate of this run (a late second click), or one that skipped the API's decision
                // checks (no step, nobody named): it decides nothing here; wait on.
                if (approved)
                {
                    approve = context.WaitForExternalEvent<ApprovalDecision?>(ApprovalEvents.Approve, cancel.Token);
                }
                else
                {
                    reject = context.WaitForExternalEvent<ApprovalDecision?>(ApprovalEvents.Reject, cancel.Token);
                }

                continue;
            }

            outcome = new ApprovalOutcome(approved ? ApprovalVerdict.Approved : ApprovalVerdict.Rejected, decision?.By, decision?.Reason, Now);
        }

        cancel.Cancel();
        awaitingDecision = false;
        var stepOutcome = outcome.Verdict switch
        {
            ApprovalVerdict.Approved => StepOutcome.Approved,
            ApprovalVerdict.Rejected => StepOutcome.Rejected,
            _ => StepOutcome.TimedOut,
        };
        End(name, started, stepOutcome, attempts: 1, outcome.Describe());
        return outcome;
    }

    /// <summary>An approval given when the run was started (`--approve`): recorded as the gate's outcome, with who gave it.</summary>
    public ApprovalOutcome PreApproved(string name, string? by, string? reason)
    {
        var started = Begin(name, "pre-approved");
        var outcome = new ApprovalOutcome(ApprovalVerdict.Approved, by, reason ?? "pre-approved when the run was started", Now);
        End(name, started, StepOutcome.Approved, attempts: 0, "pre-" + outcome.Describe());
        return outcome;
    }

    /// <summary>
    /// A gate the run cannot pass without a yes: pre-approved when it was started (<paramref name="preApprovedBy"/>
    /// not null), else decided within <paramref name="timeout"/>. A rejection or a timeout ends the run with
    /// NotApproved: "<paramref name="what"/>: rejected by …; <paramref name="untouched"/>".
    /// </summary>
    public async Task<ApprovalOutcome> RequireApprovalAsync(string name, bool preApproved, string? preApprovedBy, TimeSpan timeout, string what,
        string untouched)
    {
        var approval = preApproved ? PreApproved(name, preApprovedBy, null) : await ApprovalAsync(name, timeout);
        return approval.Approved ? approval : throw new NotApprovedException($"{what}: {approval.Describe()}; {untouched}");
    }

    /// <summary>A step that only waits (a durable timer): a pause between rounds, a settle time. A run that accepts aborts is cut short by one.</summary>
    public async Task WaitAsync(string name, TimeSpan delay)
    {
        var started = Begin(name, $"{delay.TotalSeconds:0.#} s");
        try
        {
            await PauseAsync(delay);
        }
        catch (Exception e)
        {
            throw Failed(name, started, 1, e);
        }

        End(name, started, StepOutcome.Succeeded, attempts: 1);
    }

    private const int MaxJobRestarts = 3;

    private const int JobWaitSeconds = 10;

    /// <summary>
    /// One step that runs as a job on a node's host, through its agent: starts it under <paramref name="jobId"/>
    /// (deterministic, so a retried start finds it), then long-polls it: each ReadNodeJob returns when the job
    /// ends or after 10 s (an agent that answers at once is asked again after <paramref name="pollEvery"/>, a
    /// durable timer). Progress goes to the status; a job its agent's restart interrupted is started again under its id (up to 3 times); a failed job
    /// fails the step; past <paramref name="timeout"/> the step times out (the job is left to finish).
    /// </summary>
    public async Task<AgentJob> AgentJobAsync(string name, string node, string jobId, AgentJobRequest request, TimeSpan pollEvery, TimeSpan timeout)
    {
        var started = Begin(name, $"starting {request.Kind} on {node}");
        var attempts = 0;
        try
        {
            var job = await CallAsync<AgentJob>(nameof(StartNodeJob), new NodeJobInput(node, jobId, request), StepOptions.Retried, () => attempts++);
            var restarts = 0;
            while (job.State == AgentJobState.Running || (job.Interrupted && restarts < MaxJobRestarts))
            {
                if (job.Interrupted)
                {
                    // The agent restarted under it: the same id again resumes (a swap's journal) or redoes (a claimed directory) the work.
                    restarts++;
                    job = await CallAsync<AgentJob>(nameof(StartNodeJob), new NodeJobInput(node, jobId, request), StepOptions.Retried, () => attempts++);
                    continue;
                }

                if (Now - started > timeout)
                {
                    throw new StepTimedOutException($"job {jobId} on {node} still runs after {timeout.TotalSeconds:0} s ({job.Progress})");
                }

                // A long poll: the agent answers when the job ends, or after JobWaitSeconds with its progress. The
                // end is seen at once, and the control plane handles an event every few seconds, not every second
                // (on a small host its polling competes with the recovery itself: docs/benchmarks.md).
                var asked = Now;
                job = await CallAsync<AgentJob>(nameof(ReadNodeJob), new NodeJobInput(node, jobId, WaitSeconds: JobWaitSeconds), StepOptions.Retried, ()
                    => { });
                SetDetail($"{request.Kind} on {node}: {job.Progress}");
                if (job.State == AgentJobState.Running && Now - asked < TimeSpan.FromSeconds(1))
                {
                    await context.CreateTimer(pollEvery, CancellationToken.None); // an agent that does not wait (older)
                }
            }

            if (job.State == AgentJobState.Failed)
            {
                throw new StepFailedException($"job {jobId} on {node} failed: {job.Error}");
            }

            End(name, started, StepOutcome.Succeeded, attempts, job.Progress);
            return job;
        }
        catch (Exception e)
        {
            throw Failed(name, started, attempts, e);
        }
    }

    /// <summary>
    /// A point of no return: what was registered to undo is dropped, so a later failure leaves the new state for the
    /// operator instead of putting back a part of the old one (after a promotion, the old primary must not resume).
    /// </summary>
    public void ForgetUndo() => compensations.Clear();

    /// <summary>Ends this execution and starts the next with <paramref name="input"/> (history stays bounded); no run record for this one.</summary>
    public void ContinueAsNew(object input)
    {
        ContinuedAsNew = true;
        context.ContinueAsNew(input);
    }

    /// <summary>Runs the registered undo steps, newest first. One failing undo does not stop the others.</summary>
    internal async Task CompensateAsync()
    {
        while (compensations.TryPop(out var undo))
        {
            var name = $"undo {undo.Name}";
            var started = Begin(name);
            var attempts = 0;
            try
            {
                await CallAsync<object?>(undo.Activity, undo.Input, undo.Options, () => attempts++);
                End(name, started, StepOutcome.Succeeded, attempts, undo: true);
            }
            catch (Exception e)
            {
                End(name, started, StepOutcome.Failed, attempts, Describe(e).Message, undo: true);
            }
        }
    }

    /// <summary>What made the run fail: the failed step's error when the exception is the one a step raised.</summary>
    internal RunError ErrorOf(Exception e)
    {
        if (lastFailure is { } failure && ReferenceEquals(failure.Exception, e))
        {
            return failure.Error;
        }

        var (kind, message) = Describe(e);
        return new RunError(kind, message, null);
    }

    internal RunRecord ToRecord(RunOutcome outcome, RunError? error) =>
        new(RunRecord.CurrentFormat, context.InstanceId, Runbook, Version, Trigger, BackupKind, Subject, StartedAt, Now, outcome, error, steps.ToList(),
            figures.Count > 0 ? new Dictionary<string, double>(figures) : null);

    /// <summary>Stores the run record (retried: a lost record would hide the run from every report).</summary>
    internal async Task RecordAsync(RunOutcome outcome, RunError? error)
    {
        PublishStatus(outcome == RunOutcome.Succeeded ? "succeeded" : "failed");
        await CallAsync<string>(nameof(RecordRun), ToRecord(outcome, error), new StepOptions(MaxAttempts: 5, FirstRetryInterval: TimeSpan.FromSeconds(2)), ()
            => { });
    }

    private DateTime Begin(string name, string? text = null, bool awaitingDecision = false)
    {
        index++;
        step = name;
        stepStartedAt = Now;
        detail = text;
        this.awaitingDecision = awaitingDecision;
        PublishStatus();
        return stepStartedAt;
    }

    private void End(string name, DateTime started, StepOutcome outcome, int attempts, string? text = null, bool undo = false) =>
        steps.Add(new StepRecord(name, started, Now, outcome, attempts, text, undo));

    private DrException Failed(string name, DateTime started, int attempts, Exception e)
    {
        var (kind, message) = Describe(e);
        End(name, started, kind == ErrorKind.TimedOut ? StepOutcome.TimedOut : StepOutcome.Failed, attempts, message);
        // The runbook sees an error of the same kind as the root cause, named after its step.
        var typed = ErrorKinds.Create(kind, $"step '{name}' failed: {message}");
        lastFailure = (typed, new RunError(kind, message, name));
        return typed;
    }

    private void PublishStatus(string? outcome = null) =>
        context.SetCustomStatus(new RunbookStatus(Runbook, Version, step, index, Math.Max(StepCount, index), stepStartedAt, detail, Subject, outcome,
            awaitingDecision));

    private async Task<T> CallAsync<T>(string activity, object? input, StepOptions options, Action attempted)
    {
        var delay = options.FirstRetryInterval ?? TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            attempted();
            try
            {
                return await CallOnceAsync<T>(activity, input, options.AttemptTimeout);
            }
            catch (Exception e) when (attempt < options.MaxAttempts && ErrorKinds.IsRetryable(Describe(e).Kind))
            {
                await context.CreateTimer(delay, CancellationToken.None);
                delay = TimeSpan.FromTicks((long)(delay.Ticks * options.BackoffCoefficient));
            }
        }
    }

    private async Task<T> CallOnceAsync<T>(string activity, object? input, TimeSpan? timeout)
    {
        if (timeout is not { } limit)
        {
            return await context.CallActivityAsync<T>(activity, input);
        }

        using var cancel = new CancellationTokenSource();
        var call = context.CallActivityAsync<T>(activity, input);
        var timer = context.CreateTimer(limit, cancel.Token);
        if (await Task.WhenAny(call, timer) == call)
        {
            cancel.Cancel();
            return await call;
        }

        // The activity may still finish later; steps are idempotent, so a retry (or an undo) is safe.
        throw new StepTimedOutException($"{activity} did not finish within {limit.TotalSeconds:0.#} s");
    }

    /// <summary>The kind and message of a failure, looking through the activity boundary to its root cause.</summary>
    internal static (ErrorKind Kind, string Message) Describe(Exception e)
    {
        if (e is TaskFailedException { FailureDetails: { } details })
        {
            while (details.InnerFailure is { } inner && details.ErrorType == typeof(TaskFailedException).FullName)
            {
                details = inner;
            }

            return (ErrorKinds.Of(details.ErrorType), details.ErrorMessage);
        }

        return (ErrorKinds.Of(e), e.Message);
    }
}
