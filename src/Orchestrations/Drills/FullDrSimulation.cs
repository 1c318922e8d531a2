using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Rate">The prober's writes per second through the public name.</param>
/// <param name="BudgetSeconds">Stop condition: the region recovery past this; default: the full-system RTO.</param>
public sealed record FullDrSimulationInput(double Rate = 10, double BaselineSeconds = 2, double? BudgetSeconds = null, string? Trigger = null)
    : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        Rate is <= 0 or > 500 ? $"rate: {Rate} is outside (0, 500] writes per second"
        : BaselineSeconds is < 0 or > 600 ? $"baselineSeconds: {BaselineSeconds} is outside [0, 600]"
        : BudgetSeconds is <= 0 or > 86400 ? $"budgetSeconds: {BudgetSeconds} is outside (0, 86400]"
        : null;
}

/// <summary>
/// Drill: the seed's quarterly full DR simulation. Hypothesis: with both live regions lost, the service is rebuilt in the
/// cold DR region from the store alone within the full-system RTO, losing no acknowledged write beyond the RPO; and the
/// original layout can be rebuilt from there.
/// 1. Plan, steady state, the prober; automatic failover held (no live region is left to fail over to).
/// 2. Both live regions lost (their revival registered first).
/// 3. RecoverRegion into the DR region (sub-orchestration, pre-approved by the drill): the service answers from it.
/// 4. The live regions revived; home re-protected from the DR region and switched back to (Failback), the secondary
///    re-protected from home (Reprotect), the DR region back to cold.
/// 5. Roles as before, steady state, the report.
/// </summary>
public sealed class FullDrSimulation : Runbook<FullDrSimulationInput, DrillSummary>
{
    private const string Hypothesis = "With both live regions lost, the service is rebuilt in the cold DR region from the store alone within the " +
        "full-system RTO, losing no acknowledged write beyond the database RPO; the original layout is then rebuilt from there.";

    protected override int StepCount(FullDrSimulationInput input) => 22;

    protected override async Task<DrillSummary> RunStepsAsync(RunbookRun run, FullDrSimulationInput input)
    {
        run.AcceptAbort();
        var plan = await run.StepAsync("plan", PlanFullDrSimulation.Ref, run.InstanceId, StepOptions.Retried);
        run.Subject = $"lose {plan.Home} and {plan.Secondary}; recover in {plan.Dr}; rebuild";
        var budget = input.BudgetSeconds ?? plan.RtoSeconds;
        var drill = new DrillFrame(run, Hypothesis, plan.Injector, plan.RtoSeconds, plan.RpoSeconds)
        {
            ErrorWindowSeconds = plan.RtoSeconds,
            BudgetSeconds = budget,
            BudgetWhat = $"the service recovered in {plan.Dr}",
        };
        var fault = new FaultInput(plan.Injector, run.InstanceId, [plan.Home, plan.Secondary]);
        var recovered = false;
        var home = false;
        return await drill.RunAsync(async () =>
        {
            await drill.CheckSteadyStateBeforeAsync(new SteadyStateInput(run.InstanceId, "before", plan.Home, plan.SecondaryNode));
            await drill.StartProberAsync(input.Rate, input.BaselineSeconds);
            await run.StepAsync("hold automatic failover", HoldFailover.Ref, new HoldFailoverInput(true, $"full DR simulation {run.InstanceId}", 60),
                StepOptions.Retried);
            run.OnFailureUndo("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "drill ended"));
            await drill.InjectAsync($"lose {plan.Home} and {plan.Secondary}", fault);
            await run.StepAsync("open the incident", OpenDrillIncident.Ref,
                new OpenDrillIncidentInput(run.InstanceId, $"full DR simulation: {plan.Home} and {plan.Secondary} lost"), StepOptions.Retried);

            await drill.DriveAsync("recover region", nameof(RecoverRegion), "recover-region",
                new RecoverRegionInput(plan.Dr, PreApproved: true, ApprovedBy: $"drill {run.InstanceId}", Trigger: "drill"), budget);
            recovered = true;
            await run.StepAsync("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "recovered"), StepOptions.Retried);

            await run.StepAsync($"revive {plan.Home} and {plan.Secondary}", UndoFault.Ref, fault, StepOptions.Retried);
            await drill.FailBackAsync("failback", plan.Home);
            home = true;
            await drill.DriveAsync($"re-protect {plan.Secondary}", nameof(Reprotect.Reprotect), "reprotect-secondary",
                new ReprotectInput(plan.Secondary, BaseBackup: true, Trigger: "drill"));
            await run.StepAsync($"return {plan.Dr} to cold", ReturnRegionToCold.Ref, new RegionInput(plan.Dr), StepOptions.Retried);
            await run.StepAsync("roles as before", VerifyRoles.Ref, new VerifyRolesInput(plan.HomeNode, [], [plan.HomeNode, plan.SecondaryNode]),
                StepOptions.Urgent);
            await drill.StopProberAsync();
            await drill.CheckSteadyStateAfterAsync();
        }, async () => recovered ? await RebuildLayoutAsync(run, drill, plan, home) : []);
    }

    /// <summary>After a failure once the service ran from the DR region: home again, the secondary re-protected, the DR region cold.</summary>
    private static async Task<IReadOnlyList<string>> RebuildLayoutAsync(RunbookRun run, DrillFrame drill, FullDrPlan plan, bool home)
    {
        var done = new List<string>();
        async Task Try(string what, Func<Task> action)
        {
            try
            {
                await action();
                done.Add($"{what}: succeeded");
            }
            catch (DrException e)
            {
                done.Add($"{what}: FAILED ({e.Message})");
            }
        }

        if (!home)
        {
            await Try($"fail back to {plan.Home}", () => drill.FailBackAsync("failback-cleanup", plan.Home));
        }

        await Try($"re-protect {plan.Secondary}", () => drill.DriveAsync($"re-protect {plan.Secondary}", nameof(Reprotect.Reprotect),
            "reprotect-secondary-cleanup", new ReprotectInput(plan.Secondary, BaseBackup: true, Trigger: "drill")));
        await Try($"return {plan.Dr} to cold", () => run.StepAsync($"return {plan.Dr} to cold", ReturnRegionToCold.Ref, new RegionInput(plan.Dr),
            StepOptions.Retried));
        return done;
    }
}
