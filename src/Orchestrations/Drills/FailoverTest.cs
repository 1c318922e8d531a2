using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Switchover;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Rate">The prober's writes per second through the public name.</param>
/// <param name="BaselineSeconds">How long the prober writes before the injection (the normal rate, for the report).</param>
/// <param name="MaxErrorRate">Stop condition: the prober's failed share of writes over <paramref name="ErrorWindowSeconds"/> above this stops the
/// drill.</param>
/// <param name="ErrorWindowSeconds">The window of that stop condition; default: the critical tier's RTO.</param>
/// <param name="FailoverBudgetSeconds">Stop condition: no failover ended this long after the injection; default: the critical tier's RTO.</param>
public sealed record FailoverTestInput(double Rate = 20, double BaselineSeconds = 3, double MaxErrorRate = 0.99, double? ErrorWindowSeconds = null,
    double? FailoverBudgetSeconds = null, string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        Rate is <= 0 or > 500 ? $"rate: {Rate} is outside (0, 500] writes per second"
        : BaselineSeconds is < 0 or > 600 ? $"baselineSeconds: {BaselineSeconds} is outside [0, 600]"
        : MaxErrorRate is <= 0 or > 1 ? $"maxErrorRate: {MaxErrorRate} is outside (0, 1]"
        : ErrorWindowSeconds is <= 0 or > 86400 ? $"errorWindowSeconds: {ErrorWindowSeconds} is outside (0, 86400]"
        : FailoverBudgetSeconds is <= 0 or > 86400 ? $"failoverBudgetSeconds: {FailoverBudgetSeconds} is outside (0, 86400]"
        : null;
}

/// <summary>
/// Drill: the seed's monthly failover test. Hypothesis: when the primary region is lost, the health monitor fails the
/// service over by itself within the critical tier's RTO, and clients lose no acknowledged write beyond the RPO.
/// 1. Plan (the normal roles, the injector) and check the steady state; a probe failing stops here, nothing touched.
/// 2. The prober writes through the public name; the primary region's loss is injected (its undo registered first).
/// 3. Wait for the monitor's failover (the drill never starts it: detection is under test), under the stop conditions.
/// 4. Revive the lost region: it must come back fenced, beside exactly one writable primary.
/// 5. Fail back (the Failback runbook as a sub-orchestration), roles checked as before, steady state again.
/// 6. Measure from the prober's ledger and the driven runs' records; store the report (JSON and HTML).
/// Any failure, an abort or a stop condition: the undo stack (prober stopped, region revived), a failback when the
/// failover had happened, and a report that says what fired and how the cleanup went.
/// </summary>
public sealed class FailoverTest : Runbook<FailoverTestInput, DrillSummary>
{
    private const string Hypothesis = "When the primary region is lost, the health monitor fails the service over by itself within the critical tier's RTO, " +
        "clients lose no acknowledged write beyond the database RPO, and the old primary comes back fenced.";

    /// <summary>The frame's steps are not in this file, so the build-time count misses them: plan … write report.</summary>
    protected override int StepCount(FailoverTestInput input) => 15;

    protected override async Task<DrillSummary> RunStepsAsync(RunbookRun run, FailoverTestInput input)
    {
        run.AcceptAbort();
        var plan = await run.StepAsync("plan", PlanFailoverTest.Ref, run.InstanceId, StepOptions.Retried);
        run.Subject = $"lose {plan.From}; the monitor fails over to {plan.To}; fail back";
        var drill = new DrillFrame(run, Hypothesis, plan.Injector, plan.RtoSeconds, plan.RpoSeconds)
        {
            ErrorWindowSeconds = input.ErrorWindowSeconds ?? plan.RtoSeconds,
            MaxErrorRate = input.MaxErrorRate,
            BudgetSeconds = input.FailoverBudgetSeconds ?? plan.RtoSeconds,
        };
        var steady = new SteadyStateInput(run.InstanceId, "before", plan.From, plan.ToNode);
        var fault = new FaultInput(plan.Injector, run.InstanceId, [plan.From]);
        return await drill.RunAsync(async () =>
        {
            await drill.CheckSteadyStateBeforeAsync(steady);
            await drill.StartProberAsync(input.Rate, input.BaselineSeconds);
            await drill.InjectAsync($"lose {plan.From}", fault);

            var failover = await drill.WaitForMonitorFailoverAsync();
            if (failover.Status != "Completed")
            {
                throw new StepFailedException($"the monitor's failover {failover.Id} ended {failover.Status}");
            }

            await run.StepAsync($"revive {plan.From}", UndoFault.Ref, fault, StepOptions.Retried);
            await run.StepAsync("one primary, the old one fenced", VerifyRoles.Ref, new VerifyRolesInput(plan.ToNode, [plan.FromNode],
                [plan.FromNode, plan.ToNode]), StepOptions.Urgent);
            run.ThrowIfAborted();
            await drill.FailBackAsync("failback");
            await run.StepAsync("roles as before", VerifyRoles.Ref, new VerifyRolesInput(plan.FromNode, [], [plan.FromNode, plan.ToNode]),
                StepOptions.Urgent);
            await drill.StopProberAsync();
            await drill.CheckSteadyStateAfterAsync();
        });
    }
}
