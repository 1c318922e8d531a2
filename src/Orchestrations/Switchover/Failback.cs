using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Adapters.Compute;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <param name="Region">Home: the region to go back to (default: the topology's primary region).</param>
public sealed record FailbackInput(
    string? Region = null,
    bool PreApproved = false,
    string? ApprovedBy = null,
    int ApprovalTimeoutSeconds = 900,
    bool BaseBackup = false,
    string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() => ToReprotect().Validate() ?? ToSwitchover().Validate();

    internal ReprotectInput ToReprotect() => new(Region, BaseBackup, Trigger: Trigger);

    internal SwitchoverInput ToSwitchover() => new(Region, PreApproved, ApprovedBy, ApprovalTimeoutSeconds, Trigger: Trigger);
}

/// <param name="ScaledBack">The region the service left, back at its normal capacity.</param>
public sealed record FailbackResult(ReprotectResult Reprotected, SwitchoverResult SwitchedBack, IReadOnlyList<ServiceScaled> ScaledBack);

/// <summary>
/// Runbook: back to the original roles after a failover. 1. Re-protect home's old primary (pg_rewind, or a base
/// backup) as a standby of the serving one; 2. switch over to it (the approval gate is the switchover's); 3. scale the
/// region it left back to its normal capacity (the failover scaled it out).
/// </summary>
public sealed class Failback : Runbook<FailbackInput, FailbackResult>
{
    protected override async Task<FailbackResult> RunStepsAsync(RunbookRun run, FailbackInput input)
    {
        var reprotected = await Reprotect.Reprotect.RunReprotectAsync(run, input.ToReprotect());
        var switched = await Switchover.RunSwitchoverAsync(run, input.ToSwitchover() with { To = reprotected.Plan.Region });
        var scaledBack = await run.StepAsync($"scale {switched.Plan.From} to normal", ScaleRegionToNormal.Ref, new RegionInput(switched.Plan.From),
            StepOptions.Retried);
        return new FailbackResult(reprotected, switched, scaledBack);
    }
}
