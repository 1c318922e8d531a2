using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Reprotect;

/// <param name="Region">The region whose old primary becomes a standby (default: home, the topology's primary region).</param>
/// <param name="BaseBackup">Skip pg_rewind: copy the primary afresh (recorded as asked).</param>
public sealed record ReprotectInput(string? Region = null, bool BaseBackup = false, int TimeoutMinutes = 240, string? Trigger = null) : ITriggeredInput,
    IValidatedInput
{
    public string? Validate() =>
        TimeoutMinutes is < 1 or > 10080 ? $"timeoutMinutes: {TimeoutMinutes} is outside 1..10080"
        : Region is { } region && string.IsNullOrWhiteSpace(region) ? "region: empty region name"
        : null;
}

/// <param name="Method">"none" (it streamed already), "rewind" (pg_rewind) or "base-backup" (a fresh copy).</param>
/// <param name="Reason">Why a base backup was taken instead of a rewind.</param>
public sealed record ReprotectResult(ReprotectPlan Plan, string Method, string? Reason, NodeStatus Standby);

/// <summary>
/// Runbook: after an unplanned failover, turn the fenced old primary into a standby of the new primary, so the
/// service is protected again (and can go home by switchover).
/// 1. Plan: which node, from which primary; nothing to do if it streams already.
/// 2. pg_rewind through its agent (only what changed since the split is copied; its own configuration kept).
/// 3. Proof: an unfenced standby streaming from the primary.
/// 4. If pg_rewind cannot, or the rewound node does not stream (or a base backup was asked for): a fresh standby copy,
///    swapped in, the reason recorded; then the proof again.
/// </summary>
public sealed class Reprotect : Runbook<ReprotectInput, ReprotectResult>
{
    /// <summary>How long a rewound node may take to stream before it is rebuilt instead.</summary>
    private const double RewoundTimeoutSeconds = 60;

    protected override Task<ReprotectResult> RunStepsAsync(RunbookRun run, ReprotectInput input) => RunReprotectAsync(run, input);

    /// <summary>The re-protect steps, also the first half of <see cref="Switchover.Failback"/>.</summary>
    internal static async Task<ReprotectResult> RunReprotectAsync(RunbookRun run, ReprotectInput input)
    {
        var plan = await run.StepAsync("plan", PlanReprotect.Ref, new PlanReprotectInput(input.Region), StepOptions.Retried);
        run.Subject = $"{plan.Node} → standby of {plan.Primary}";
        if (plan.Protected)
        {
            var already = await run.StepAsync("check streaming", WaitForStreaming.Ref,
                new WaitForStreamingInput(plan.Node, plan.PrimaryHost, plan.PrimaryPort), StepOptions.Retried);
            return new ReprotectResult(plan, "none", null, already);
        }

        var poll = TimeSpan.FromSeconds(1);
        var timeout = TimeSpan.FromMinutes(input.TimeoutMinutes);
        string method = "rewind";
        string? reason = null;
        if (input.BaseBackup)
        {
            reason = "a base backup was asked for";
        }
        else
        {
            var rewind = await run.AgentJobAsync("rewind", plan.Node, $"{run.InstanceId}-rewind",
                new AgentJobRequest(AgentJob.RewindKind, FromHost: plan.PrimaryHost, FromPort: plan.PrimaryPort), poll, timeout);
            if (rewind.Result?["rewind"]?.GetValue<bool>() != true)
            {
                reason = $"pg_rewind could not: {rewind.Result?["reason"]?.GetValue<string>() ?? "no reason given"}";
            }
            else
            {
                // pg_rewind judges a standby by its minRecoveryPoint: WAL it had received past the split is still in pg_wal, and the
                // node replays it on start and then cannot follow ("forked off … before current recovery point"). It never streams: rebuild.
                try
                {
                    var rewound = await run.StepAsync("check streaming", WaitForStreaming.Ref,
                        new WaitForStreamingInput(plan.Node, plan.PrimaryHost, plan.PrimaryPort, RewoundTimeoutSeconds), StepOptions.Once);
                    run.Report("rewound", 1);
                    return new ReprotectResult(plan, method, null, rewound);
                }
                catch (DrException e) when (e.Kind is ErrorKind.TimedOut or ErrorKind.Failed)
                {
                    reason = $"rewound, but it does not stream within {RewoundTimeoutSeconds:0} s ({e.Message})";
                }
            }
        }

        if (reason is not null)
        {
            method = "base-backup";
            run.SetDetail(reason);
            await run.AgentJobAsync("base backup", plan.Node, $"{run.InstanceId}-rebuild",
                new AgentJobRequest(AgentJob.RebuildKind, FromHost: plan.PrimaryHost, FromPort: plan.PrimaryPort), poll, timeout);
        }

        var standby = await run.StepAsync("check streaming", WaitForStreaming.Ref, new WaitForStreamingInput(plan.Node, plan.PrimaryHost, plan.PrimaryPort),
            StepOptions.Retried);
        run.Report(method == "rewind" ? "rewound" : "rebuilt", 1);
        return new ReprotectResult(plan, method, reason, standby);
    }
}
