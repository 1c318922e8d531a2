using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="Target">Point-in-time recovery target: an ISO time with offset, lsn:X/Y, or latest (see <see cref="RecoveryTarget"/>).</param>
/// <param name="BackupId">A full restore of this backup, recovered to consistency only (then Target is ignored).</param>
/// <param name="DataDirectory">A new or empty directory on the node's host: the recovered cluster, beside the running one.</param>
/// <param name="Replace">Instead of a directory of one's own: recover beside the serving primary's, then swap it into service.</param>
/// <param name="Node">The database node whose host (and agent) does the work; default: the serving primary's.</param>
/// <param name="Port">The recovered cluster's port (never the node's own); default: a free one the agent picks.</param>
/// <param name="PreApproved">Replace without waiting at the approval gate (`--approve --by NAME`).</param>
public sealed record RecoverDatabaseInput(string? Target, string? BackupId, string? DataDirectory, string? Node = null, int? Port = null,
    string? Trigger = null, int PollSeconds = 1, int TimeoutMinutes = 720, bool Replace = false, bool PreApproved = false, string? ApprovedBy = null,
    int ApprovalTimeoutSeconds = 900) : ITriggeredInput, IValidatedInput
{
    public string? Validate()
    {
        if (BackupId is null)
        {
            try
            {
                RecoveryTarget.Parse(Target ?? "");
            }
            catch (Core.Errors.BadInputException e)
            {
                return e.Message;
            }
        }

        return BackupId is not null && Core.Requests.DrIds.BackupIdProblem(BackupId) is { } bad ? $"backupId: {bad}"
            : Replace && DataDirectory is not null ? "dataDirectory and replace: give one (--into DIR recovers beside, --replace swaps into service)"
            : !Replace && (string.IsNullOrWhiteSpace(DataDirectory) || !Path.IsPathFullyQualified(DataDirectory))
                ? $"dataDirectory: '{DataDirectory}' must be an absolute path on the node's host (or replace)"
            : Port is not null and (< 1 or > 65535) ? $"port: {Port} is outside 1..65535"
            : PollSeconds is < 1 or > 60 ? $"pollSeconds: {PollSeconds} is outside 1..60"
            : TimeoutMinutes is < 1 or > 24 * 60 ? $"timeoutMinutes: {TimeoutMinutes} is outside 1..1440"
            : PreApproved && string.IsNullOrWhiteSpace(ApprovedBy) ? "approvedBy: who approves is required with preApproved"
            : ApprovalTimeoutSeconds is < 1 or > 7 * 24 * 3600 ? $"approvalTimeoutSeconds: {ApprovalTimeoutSeconds} is outside 1..604800"
            : null;
    }
}

/// <param name="Recovered">The agent job's result: where the recovered cluster runs, its timeline, end LSN and last replayed commit.</param>
/// <param name="Replaced">With replace: the swap (the node's directory now, and where the replaced one was kept), the standby's rebuild and the new base
/// backup.</param>
public sealed record RecoverDatabaseResult(RecoveryPlan Plan, AgentJob Recovered, ReplaceOutcome? Replaced = null);

public sealed record ReplaceOutcome(ReplacePlan Plan, ApprovalOutcome Approval, AgentJob SwappedIn, AgentJob? StandbyRebuilt, string BackupId);

/// <summary>
/// Runbook: point-in-time recovery (or a full restore) of PostgreSQL beside the running cluster, and with
/// replace, into service.
/// 1. Plan: the target checked, the base backup chosen, the WAL chain to the target proven, the node's agent satisfied
///    with the recover job to come (its directory, port); with replace, that the node is the serving primary and which
///    standby follows it. Nothing is touched when this fails.
/// 2. Check the node's agent answers.
/// 3. Recover, as a job of the node's agent (long-polled): restore the backup into a new
///    directory, replay WAL to the target, promote, pg_amcheck, ANALYZE. The running cluster is untouched.
/// With replace, once the recovered cluster is proven:
/// 4. Approval: everything the primary committed after the target is about to be set aside.
/// 5. Hold automatic failover (the monitor counts no failed round while the primary restarts), then swap in (agent job): stop the primary, keep its directory
/// aside, rename the recovered one in with the
///    node's configuration, start it; its new timeline's WAL goes to the archive.
/// 6. Record the new timeline in the DR state (same epoch, same node).
/// 7. Rebuild the standby from the new primary (it cannot follow a timeline that forks in its past; with
///    synchronous replication the primary's commits wait for it).
/// 8. A base backup of the new timeline.
/// </summary>
public sealed class RecoverDatabase : Runbook<RecoverDatabaseInput, RecoverDatabaseResult>
{
    protected override int StepCount(RecoverDatabaseInput input) => input.Replace ? 11 : 3;

    protected override async Task<RecoverDatabaseResult> RunStepsAsync(RunbookRun run, RecoverDatabaseInput input)
    {
        var recoverJob = $"{run.InstanceId}-recover";
        var recoverRequest = new AgentJobRequest(AgentJob.RecoverKind, input.BackupId, input.DataDirectory, Port: input.Port);
        var plan = await run.StepAsync("plan", PlanRecovery.Ref,
            new PlanRecoveryInput(input.Target ?? "latest", input.BackupId, run.Now, input.Node, recoverJob, recoverRequest), StepOptions.Retried);
        run.Subject = $"{plan.BackupId} → {plan.Target} on {plan.Node}:{input.DataDirectory ?? "(replace)"}";
        var replace = input.Replace
            ? await run.StepAsync("plan replace", PlanReplace.Ref, new PlanReplaceInput(plan.Node), StepOptions.Retried)
            : null;
        await run.StepAsync("check node", ReadNodeStatus.Ref, new NodeInput(plan.Node), StepOptions.Retried);
        var job = await run.AgentJobAsync("recover", plan.Node, recoverJob, recoverRequest with { BackupId = plan.BackupId, Target = plan.Target },
            TimeSpan.FromSeconds(input.PollSeconds), TimeSpan.FromMinutes(input.TimeoutMinutes));
        if (job.Result?["replaySeconds"]?.GetValue<double>() is { } replay)
        {
            run.Report("replaySeconds", replay);
        }

        // How much WAL the recovery replayed: from the backup's checkpoint to where it ended (across timelines, as LSNs count on).
        if (job.Result?["endLsn"]?.GetValue<string>() is { } end && plan.BackupStartLsn is { } start)
        {
            run.Report("walReplayedBytes", Math.Max(0, Lsn.Bytes(end) - Lsn.Bytes(start)));
        }

        return replace is null ? new(plan, job) : new(plan, job, await SwapInAsync(run, input, replace, recoverJob));
    }

    private static async Task<ReplaceOutcome> SwapInAsync(RunbookRun run, RecoverDatabaseInput input, ReplacePlan replace, string recoverJob)
    {
        var approval = await run.RequireApprovalAsync("approval", input.PreApproved, input.ApprovedBy, TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds),
            $"replace {replace.Node} with the recovered cluster", "the primary was not touched (the recovered cluster still runs beside it)");

        var poll = TimeSpan.FromSeconds(input.PollSeconds);
        var timeout = TimeSpan.FromMinutes(input.TimeoutMinutes);
        // The primary stops for a moment and its standby loses its stream: the monitor must not take that for a lost region.
        await run.StepAsync("hold failover", HoldFailover.Ref, new HoldFailoverInput(true, $"replace {replace.Node} with a recovered cluster"),
            StepOptions.Retried);
        run.OnFailureUndo("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "replace failed"));
        var swapped = await run.AgentJobAsync("swap in", replace.Node, $"{run.InstanceId}-swap-in",
            new AgentJobRequest(AgentJob.SwapInKind, PreparedBy: recoverJob), poll, timeout);
        var timeline = swapped.Result?["timeline"]?.GetValue<int?>();
        await run.StepAsync("record timeline", RecordServingPrimary.Ref,
            new RecordServingPrimaryInput(replace.Epoch, replace.Region, replace.Node, timeline, swapped.Result?["currentLsn"]?.GetValue<string?>(), run.Now),
            StepOptions.Retried);
        AgentJob? rebuilt = null;
        if (replace.Standby is { } standby)
        {
            rebuilt = await run.AgentJobAsync("rebuild standby", standby, $"{run.InstanceId}-rebuild",
                new AgentJobRequest(AgentJob.RebuildKind, FromHost: replace.Host, FromPort: replace.Port), poll, timeout);
        }

        await run.StepAsync("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "standby rebuilt"), StepOptions.Retried);
        var backup = await run.StepAsync("base backup", TakeBaseBackup.Ref,
            new TakeBaseBackupInput(BackupIds.For(run.Now, run.InstanceId), run.Now, BackupSources.Primary), StepOptions.Retried);
        run.Report("timeline", timeline ?? 0);
        return new(replace, approval, swapped, rebuilt, backup.BackupId);
    }
}
