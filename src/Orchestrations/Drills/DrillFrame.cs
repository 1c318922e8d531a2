using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Switchover;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>A stop condition fired: the drill stops and undoes what it did.</summary>
public sealed class StopConditionFiredException(string message) : DrException(message);

/// <summary>
/// What every drill does around its own part, in orchestration code (deterministic: steps only): the steady state, the
/// prober, the injection with its undo registered first, the stop conditions, the driven runbooks, the measurement and
/// the report, and the cleanup when anything fails. A drill reads top to bottom; the frame keeps what the report needs.
/// </summary>
public sealed class DrillFrame(RunbookRun run, string hypothesis, string injector, double rtoSeconds, double rpoSeconds)
{
    private readonly List<string> driven = [];
    private readonly List<string> injected = [];
    private readonly List<string> deviations = [];
    private readonly List<string> notes = [];
    private SteadyState? before;
    private SteadyState? after;
    private DateTimeOffset? injectedAt;
    private ProberInput? prober;
    private string? steadyFired;
    private string? errorFired;
    private string? budgetFired;
    private string? realFailoverFired;
    private bool failedBack;
    private SteadyStateInput? steadyInput;

    public required double ErrorWindowSeconds { get; init; }

    public double MaxErrorRate { get; init; } = 0.99;

    /// <summary>How long the driven recovery may take after the injection before the drill stops.</summary>
    public required double BudgetSeconds { get; init; }

    /// <summary>What the budget bounds, in words, for the report ("a failover ended after the injection").</summary>
    public string BudgetWhat { get; init; } = "a failover ended after the injection";

    /// <summary>The drill's own objectives; null: RTO and RPO from the prober's measurement.</summary>
    public IReadOnlyList<ObjectiveResult>? Objectives { get; set; }

    /// <summary>What the drill did and saw, for the reader (what was checked, what was restored where).</summary>
    public void Note(string text) => notes.Add(text);

    /// <summary>A step of the drill's own ran past the budget: the stop condition fires (the caller stops the drill).</summary>
    public StopConditionFiredException BudgetExceeded(string detail)
    {
        budgetFired = detail;
        return new StopConditionFiredException($"budget: {detail}");
    }

    /// <summary>Registers the sandbox's removal before it is made (a recovery that half-ran leaves a directory too).</summary>
    public void SandboxOn(string node, string recoverJob) =>
        run.OnFailureUndo("drop sandbox", DropSandbox.Ref, new DropSandboxInput(node, recoverJob));

    /// <summary>How long the system may take to be as it was after the drill (or its cleanup).</summary>
    public double SettleSeconds { get; init; } = 120;

    /// <summary>The report is written: a failure after it is not the drill's to clean up.</summary>
    public bool Finished { get; private set; }

    /// <summary>Stop condition: a steady-state probe failing before the injection stops the drill with nothing touched.</summary>
    public async Task CheckSteadyStateBeforeAsync(SteadyStateInput input)
    {
        steadyInput = input;
        before = await run.StepAsync("steady state before", CheckSteadyState.Ref, input, StepOptions.Retried);
        if (!before.Holds)
        {
            steadyFired = before.Failures;
            throw new StopConditionFiredException($"the steady state does not hold before the injection: {before.Failures}");
        }
    }

    /// <summary>
    /// The steady state again, waited for (a standby re-connects a few seconds after its primary is back): the drill is over
    /// when the system is as it was, or after <see cref="SettleSeconds"/> with the probes that still fail as deviations.
    /// </summary>
    public async Task CheckSteadyStateAfterAsync()
    {
        var input = (steadyInput ?? throw new InvalidOperationException("the steady state was never checked")) with { Phase = "after" };
        SteadyState? last = null;
        try
        {
            after = await run.PollAsync("steady state after", async () =>
            {
                last = await run.AskAsync(CheckSteadyState.Ref, input);
                run.SetDetail(last.Holds ? "holds" : last.Failures);
                return last.Holds ? last : null;
            }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(SettleSeconds));
        }
        catch (DrException) when (last is not null)
        {
            after = last;
            deviations.Add($"the steady state does not hold {SettleSeconds:0} s after the drill: {last.Failures}");
        }
    }

    /// <summary>The prober writes (its stop registered as an undo first), then a baseline at the normal rate, watching for a real failover.</summary>
    public async Task StartProberAsync(double rate, double baselineSeconds)
    {
        prober = new ProberInput(run.InstanceId, rate);
        run.OnFailureUndo("stop prober", StopProber.Ref, prober);
        await run.StepAsync("start prober", StartProber.Ref, prober, StepOptions.Retried);
        var until = run.Now.AddSeconds(baselineSeconds);
        await run.PollAsync("baseline", async () =>
        {
            await StopIfRealFailoverAsync();
            return run.Now >= until ? "done" : null;
        }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(baselineSeconds + 60));
    }

    /// <summary>
    /// Stop condition: a failover this drill did not cause started since the drill began (a person's, or the monitor's
    /// before the injection or in a drill that injects no region loss). The drill stops and undoes only its own doing:
    /// the real failover is left alone, never failed back.
    /// </summary>
    public async Task StopIfRealFailoverAsync()
    {
        if (injectedAt is not null)
        {
            return; // after a region's loss was injected, a failover answers the drill's own fault
        }

        var seen = await run.AskAsync(FindMonitorFailover.Ref, new DateTimeOffset(run.StartedAt, TimeSpan.Zero));
        if (seen.Id is not null && !driven.Contains(seen.Id))
        {
            realFailoverFired = $"{seen.Id} started at {seen.CreatedAt:HH:mm:ss.fff} ({seen.Status})";
            throw new StopConditionFiredException($"a real failover started during the drill: {realFailoverFired}; it is left to run, not undone");
        }
    }

    public async Task StopProberAsync()
    {
        if (prober is not null)
        {
            await run.StepAsync("stop prober", StopProber.Ref, prober, StepOptions.Retried);
        }
    }

    /// <summary>The fault, its undo registered before it runs (an injection that half-happened is still undone).</summary>
    public async Task<FaultInjected> InjectAsync(string name, FaultInput fault)
    {
        await StopIfRealFailoverAsync();
        run.OnFailureUndo(name, UndoFault.Ref, fault);
        var done = await run.StepAsync(name, InjectFault.Ref, fault, StepOptions.Retried);
        injectedAt = done.At;
        injected.AddRange(done.Actions);
        if (done.AlreadyActive)
        {
            deviations.Add("the fault was in force already when the drill injected it");
        }

        return done;
    }

    /// <summary>
    /// Waits for the failover the monitor starts by itself, until it ends. Stop conditions, each round: the prober's error
    /// rate over its window, and the budget from the injection.
    /// </summary>
    public async Task<FailoverSeen> WaitForMonitorFailoverAsync()
    {
        var since = injectedAt ?? throw new InvalidOperationException("nothing was injected");
        var seen = await run.PollAsync("wait for the monitor's failover", async () =>
        {
            var failover = await run.AskAsync(FindMonitorFailover.Ref, since);
            if (failover.Ended)
            {
                return failover;
            }

            var reading = await run.AskAsync(ReadProbe.Ref, new ReadProbeInput(run.InstanceId, since, ErrorWindowSeconds));
            if (reading is { CoversWindow: true, ErrorRate: { } rate } && rate > MaxErrorRate)
            {
                errorFired = $"{reading.Failed} of {reading.Attempts} writes failed in the last {ErrorWindowSeconds:0.#} s";
                throw new StopConditionFiredException($"prober error rate: {errorFired}");
            }

            var elapsed = (run.Now - since.UtcDateTime).TotalSeconds;
            if (elapsed > BudgetSeconds)
            {
                budgetFired = $"{elapsed:0.#} s after the injection, {(failover.Id is null ? "no failover started" : $"{failover.Id} is {failover.Status}")}";
                throw new StopConditionFiredException($"budget: {budgetFired}");
            }

            run.SetDetail(failover.Id is null ? "no failover yet" : $"{failover.Id}: {failover.Status}");
            return null;
        }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(BudgetSeconds + 60));
        if (!driven.Contains(seen.Id!))
        {
            driven.Add(seen.Id!);
        }

        return seen;
    }

    /// <summary>The Failback runbook as a sub-orchestration, pre-approved by the drill (home: <paramref name="region"/>, else the topology's
    /// primary).</summary>
    public async Task FailBackAsync(string idSuffix, string? region = null)
    {
        driven.Add(run.ChildId(idSuffix));
        await run.SubRunbookAsync<FailbackResult>("fail back", nameof(Failback), idSuffix,
            new FailbackInput(region, PreApproved: true, ApprovedBy: $"drill {run.InstanceId}", Trigger: "drill"));
        failedBack = true;
    }

    /// <summary>
    /// Another runbook the drill drives (a sub-orchestration whose record gives each step's share). With a budget, the
    /// drill stops waiting for it past the budget (the stop condition fires) or on an abort; the runbook itself goes on.
    /// </summary>
    public async Task DriveAsync(string name, string runbook, string idSuffix, object input, double? budgetSeconds = null)
    {
        driven.Add(run.ChildId(idSuffix));
        var child = run.SubRunbookAsync<System.Text.Json.JsonElement>(name, runbook, idSuffix, input);
        if (budgetSeconds is not { } budget)
        {
            await child;
            return;
        }

        if (!await run.EndsWithinAsync(child, TimeSpan.FromSeconds(budget)))
        {
            throw BudgetExceeded($"{runbook} {run.ChildId(idSuffix)} still runs {budget:0.#} s after it started");
        }

        await child;
    }

    /// <summary>
    /// Runs a drill's own part, then measures and reports; on any failure, abort or stop condition, cleans up
    /// (<see cref="CleanUpAsync"/>, with <paramref name="restore"/>) and fails the run with the failure.
    /// </summary>
    public async Task<DrillSummary> RunAsync(Func<Task> body, Func<Task<IReadOnlyList<string>>>? restore = null)
    {
        try
        {
            await body();
            return await FinishAsync();
        }
        catch (Exception e) when (!Finished)
        {
            await CleanUpAsync(e, restore);
            throw;
        }
    }

    /// <summary>
    /// Measures, writes the report; a drill whose objectives were missed fails after its report is stored. The run's output
    /// is the report's summary: the report itself is in the store (history stays small).
    /// </summary>
    private async Task<DrillSummary> FinishAsync()
    {
        var report = await ReportAsync(null, "nothing to undo: the drill put everything back itself");
        Finished = true;
        return report.Passed ? DrillReports.Summary(report) : throw new StepFailedException($"the drill failed: {string.Join("; ", Misses(report))}");
    }

    /// <summary>
    /// After a failure, an abort or a stop condition: a failover in flight is let finish first (reviving the old region under
    /// it could make two primaries), then the undo stack (the prober stopped, the fault taken back), then a failback if the
    /// service had moved and was not moved back; then the report.
    /// </summary>
    /// <param name="restore">What puts the layout back when the drill's own moves had run (a full simulation's failback, re-protection and
    /// cold region); it returns one line per action for the report.</param>
    private async Task CleanUpAsync(Exception failure, Func<Task<IReadOnlyList<string>>>? restore = null)
    {
        var error = run.ErrorOf(failure).Message;
        var real = realFailoverFired is not null;
        var moved = !real && await FailoverToUndoAsync();
        await run.UndoNowAsync();
        var cleanup = run.Steps.Where(s => s.Undo).Select(s => $"{s.Name}: {Core.KebabCase.Of(s.Outcome)}{(s.Detail is null ? "" : $" ({s.Detail})")}")
            .ToList();
        if (restore is not null)
        {
            cleanup.AddRange(await restore());
        }

        // The monitor may have decided while the region was still down: that failover is undone too (a real one never is).
        moved |= !real && await FailoverToUndoAsync();
        if (moved)
        {
            try
            {
                await FailBackAsync("failback-cleanup");
                cleanup.Add("fail back: succeeded");
            }
            catch (DrException e)
            {
                cleanup.Add($"fail back: FAILED ({e.Message}); the service still runs from the failover's region");
            }
        }

        if (real)
        {
            deviations.Add("a real failover moved the service during the drill: the system is not expected as it was, the steady state after was not " +
                "checked");
        }
        else if (before is { Holds: true })
        {
            try
            {
                await CheckSteadyStateAfterAsync();
            }
            catch (DrException e)
            {
                deviations.Add($"the steady state could not be checked after the cleanup: {e.Message}");
            }
        }

        try
        {
            await ReportAsync(error, cleanup.Count == 0 ? "nothing to undo" : string.Join("; ", cleanup));
        }
        catch (DrException)
        {
            // The run record keeps the failure; a report that cannot be stored does not hide it.
        }

        Finished = true;
    }

    /// <summary>Whether a failover since the injection moved the service and no failback of this drill moved it back; one running is waited for.</summary>
    private async Task<bool> FailoverToUndoAsync()
    {
        if (injectedAt is not { } since || failedBack)
        {
            return false;
        }

        var seen = await run.AskAsync(FindMonitorFailover.Ref, since);
        if (seen.Id is not null && !seen.Ended)
        {
            seen = await run.PollAsync("let the failover in flight finish",
                async () => await run.AskAsync(FindMonitorFailover.Ref, since) is { Ended: true } done ? done : null,
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(BudgetSeconds + 60));
        }

        if (seen.Id is not null && !driven.Contains(seen.Id))
        {
            driven.Add(seen.Id);
        }

        return seen.Status == "Completed";
    }

    private async Task<DrillReport> ReportAsync(string? error, string cleanup)
    {
        DrillMeasured? measured = null;
        if (injectedAt is { } at)
        {
            measured = await run.StepAsync("measure", MeasureDrill.Ref, new MeasureDrillInput(run.InstanceId, at, driven), StepOptions.Retried);
            if (measured.ProberDownInOutage)
            {
                deviations.Add("the prober was down during the outage: the RTO is an upper bound");
            }

            if (measured.Unverified > 0)
            {
                deviations.Add($"{measured.Unverified} acknowledged writes could not be read back either way");
            }
        }

        IReadOnlyList<ObjectiveResult> objectives = Objectives ??
        [
            new("RTO: injection → first acknowledged write through the public name", rtoSeconds, measured?.RtoSeconds),
            new("RPO: acknowledged writes lost, as time before the injection", rpoSeconds, measured?.LossWindowSeconds),
            .. FileStorageObjective(measured),
        ];
        var passed = error is null && objectives.All(o => o.Met) && measured is not { Unverified: > 0 } && after is { Holds: true };
        var stops = new List<StopCondition> { new("steady state before the injection", "any probe fails", steadyFired is not null, steadyFired) };
        if (prober is not null)
        {
            stops.Add(new("prober error rate", $"over {MaxErrorRate:P0} of writes failing over {ErrorWindowSeconds:0.#} s", errorFired is not null,
                errorFired));
        }

        stops.Add(new("recovery budget", $"{BudgetWhat} within {BudgetSeconds:0.#} s", budgetFired is not null, budgetFired));
        stops.Add(new("a real failover", "a failover the drill did not cause starts during it", realFailoverFired is not null, realFailoverFired));
        var incidents = await run.StepAsync("close the incident", CloseDrillIncidents.Ref,
            new CloseDrillIncidentsInput(run.InstanceId, Close: realFailoverFired is null), StepOptions.Retried);
        var report = new DrillReport(run.InstanceId, run.Runbook, hypothesis, run.StartedAt, run.Now, passed, error, injector, injectedAt, injected,
            before, after, stops, measured, objectives, run.Steps.ToList(), deviations.ToList(), cleanup, notes.ToList(), incidents);
        await run.StepAsync("write report", WriteDrillReport.Ref, report, StepOptions.Retried);
        return report;
    }

    /// <summary>
    /// Where the service has file storage, the driven failover's file loss window (the newest file-storage point's age when the old
    /// region's store was lost; 0 when it still answered) against the files RPO. Not measured (no point to restore from) is a miss.
    /// </summary>
    private static IEnumerable<ObjectiveResult> FileStorageObjective(DrillMeasured? measured) =>
        (measured?.Driven ?? []).Where(d => d.Runbook == nameof(Failover.Failover) && d.Figures?.ContainsKey("filesCopied") == true)
            .Take(1)
            .Select(d => new ObjectiveResult("RPO file storage: the newest point's age when the service moved",
                Core.Objectives.RecoveryObjectives.RpoFor(Core.Objectives.DataClass.FileStorage).TotalSeconds,
                d.Figures!.TryGetValue("fileStorageRpoSeconds", out var window) ? window : null));

    private static IEnumerable<string> Misses(DrillReport report) =>
        report.Objectives.Where(o => !o.Met).Select(o => $"{o.Name}: {(o.MeasuredSeconds is { } m ? $"{m:0.###} s" : "not measured")} over {o.TargetSeconds} s")
            .Concat(report.Deviations);
}
