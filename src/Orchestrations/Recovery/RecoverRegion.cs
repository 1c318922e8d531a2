using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="Region">The region to rebuild the service in: the cold disaster-recovery one, usually.</param>
/// <param name="Target">How far to recover the database (default latest: every archived commit).</param>
public sealed record RecoverRegionInput(string Region, string? Target = null, bool PreApproved = false, string? ApprovedBy = null,
    int ApprovalTimeoutSeconds = 900, int PollSeconds = 1, int TimeoutMinutes = 720, string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate()
    {
        try
        {
            RecoveryTarget.Parse(Target ?? "latest");
        }
        catch (BadInputException e)
        {
            return e.Message;
        }

        return string.IsNullOrWhiteSpace(Region) ? "region is required (see `dr topology check`)"
            : PreApproved && string.IsNullOrWhiteSpace(ApprovedBy) ? "approvedBy: who approves is required with preApproved"
            : PollSeconds is < 1 or > 60 ? $"pollSeconds: {PollSeconds} is outside 1..60"
            : TimeoutMinutes is < 1 or > 24 * 60 ? $"timeoutMinutes: {TimeoutMinutes} is outside 1..1440"
            : null;
    }
}

public sealed record RecoverRegionResult(RegionRecoveryPlan Region, RecoveryPlan Database, AgentJob Recovered, OldPrimaryFenced OldPrimary, AgentJob SwappedIn,
    ApplicationStateRestored ApplicationState, IReadOnlyList<DnsRecordSwitched> Dns, IReadOnlyList<ServiceScaled> Scaled, ServiceVerified Verified,
    string BackupId, double RtoSeconds, FileStorage.FilesCaughtUp? Files = null);

/// <summary>
/// Runbook: the full system recovery when the serving region and its standby are both lost — the service is
/// rebuilt in another region (the cold "dr" one) from what the backup store holds.
/// 1. Plan: the region (not the serving one, with a node and compute), and the database recovery from the
///    store (newest base backup, unbroken WAL chain to the target). Nothing is touched when this fails.
/// 2. Approval (unless pre-approved): the region becomes the serving one.
/// 3. Provision the region's hosts (database host with its agent, cache), 4. check its agent.
/// 5. Recover the database beside the node's (empty) data directory, as its agent's job.
/// 6. Fence the old serving primary (a lost one is recorded unreachable); record the region's node as the
///    serving primary (next epoch): an old primary that comes back starts fenced.
/// 7. Swap the recovered cluster in as the node's own (this host's address and port), archiving on.
/// 8. Restore the newest application-state backup into the region's cache.
/// 9. Point db. at the region; 10. scale its services to its capacity; 11. warm them; 12. point api. at them.
/// 13. Verify through the public name (health, a write read back): the RTO is measured to here.
/// 14. A base backup of the new timeline, and beside it the region's file store caught up (from the lost region's store if it still
///     answers, else the newest file-storage point; its age is the run's file-storage RPO).
/// </summary>
public sealed class RecoverRegion : Runbook<RecoverRegionInput, RecoverRegionResult>
{
    protected override async Task<RecoverRegionResult> RunStepsAsync(RunbookRun run, RecoverRegionInput input)
    {
        var region = await run.StepAsync("plan region", PlanRegionRecovery.Ref, new PlanRegionRecoveryInput(input.Region), StepOptions.Retried);
        var database = await run.StepAsync("plan database", PlanRecovery.Ref,
            new PlanRecoveryInput(input.Target ?? "latest", null, run.Now, region.Node), StepOptions.Retried);
        run.Subject = $"{region.ServingRegion} → {region.Region} ({database.BackupId} → {database.Target})";
        await run.RequireApprovalAsync("approval", input.PreApproved, input.ApprovedBy, TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds),
            $"recover region {region.Region}", "nothing was changed");

        var poll = TimeSpan.FromSeconds(input.PollSeconds);
        var timeout = TimeSpan.FromMinutes(input.TimeoutMinutes);
        await run.StepAsync("provision region", ProvisionRegion.Ref, new RegionInput(region.Region), StepOptions.Retried);
        await run.StepAsync("check node", ReadNodeStatus.Ref, new NodeInput(region.Node), StepOptions.Retried);
        var recoverJob = $"{run.InstanceId}-recover";
        var recovered = await run.AgentJobAsync("recover database", region.Node, recoverJob,
            new AgentJobRequest(AgentJob.RecoverKind, database.BackupId, Target: database.Target), poll, timeout);
        var timeline = recovered.Result?["timeline"]?.GetValue<int?>();
        // A serving primary that is not lost after all must stop taking writes before another one does.
        var fence = await run.StepAsync("fence old primary", FenceOldPrimary.Ref,
            new FenceOldPrimaryInput(region.ServingNode, $"recover-region {region.Region} ({run.InstanceId})"), StepOptions.Retried);
        await run.StepAsync("record new primary", RecordServingPrimary.Ref,
            new RecordServingPrimaryInput(region.Epoch + 1, region.Region, region.Node, timeline, null, run.Now), StepOptions.Retried);
        var swapped = await run.AgentJobAsync("swap in", region.Node, $"{run.InstanceId}-swap-in",
            new AgentJobRequest(AgentJob.SwapInKind, PreparedBy: recoverJob), poll, timeout);
        var state = await run.StepAsync("restore application state", ApplyApplicationStateBackup.Ref,
            new ApplyApplicationStateBackupInput("latest", region.Region, IfAny: true), StepOptions.Retried);

        var movedAt = run.Now;
        var dns = new List<DnsRecordSwitched>
        {
            await run.StepAsync("switch db record", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(region.Region, "db"), StepOptions.Retried),
        };
        // Nothing of ours serves in a region being recovered: every instance the scale-out reports is new.
        var scaledOut = await ScaleOut.RunAsync(run, region.Region, serving: [], StepOptions.Retried);
        if (scaledOut.Api is { } api)
        {
            dns.Add(api);
        }

        var verified = await run.StepAsync("verify", VerifyService.Ref, new VerifyServiceInput(region.Region, run.InstanceId), StepOptions.Retried);
        var rto = (run.Now - run.StartedAt).TotalSeconds;
        run.Report("rtoSeconds", rto);
        run.Report("timeline", timeline ?? 0);

        var backup = run.StepAsync("base backup", TakeBaseBackup.Ref,
            new TakeBaseBackupInput(BackupIds.For(run.Now, run.InstanceId), run.Now, BackupSources.Primary), StepOptions.Retried);
        var files = await FileStorage.CatchUpFiles.ReportAsync(run, run.StepAsync("catch up files", FileStorage.CatchUpFiles.Ref,
            new FileStorage.CatchUpFilesInput(region.ServingRegion, region.Region, movedAt), StepOptions.Retried));
        return new(region, database, recovered, fence, swapped, state, dns, scaledOut.Scaled, verified, (await backup).BackupId, rto, files);
    }
}
