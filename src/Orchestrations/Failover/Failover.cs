using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Redis;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Failover;

/// <summary>
/// Runbook: fail the service over to another region (the seed's "regional failover"). Started by the health
/// monitor (automatic) or by hand (`dr failover`, behind an approval gate). At most one runs per serving
/// primary: its instance id derives from the DR state's epoch (see <see cref="FailoverInstance"/>).
/// 1. Assess: the serving primary, the target's standby and its lag against the database RPO.
/// 2. Approval (manual runs): nothing has changed until someone approves.
/// 3. Find the target's running instances (its normal capacity): traffic goes to them first.
/// 4. Drain the old region's services (and put the target's in service); 5. fence the old primary (or record that it cannot be reached).
/// 6. Record the new primary in the DR state before promoting: a returning old primary starts fenced.
/// 7. Promote the standby and the target's Redis together; record the promotion (timeline, LSN) beside.
/// 8. Point db. at the new primary; 9. warm the instances that run already (if none, wait for the
///    scale-out); 10. point api. at them.
/// 11. Verify through the public name: health, and a test write read back, committed and queued.
///     The service is back here: the RTO is measured to this point.
/// 12. Emergency base backup of the new primary (PITR on the new timeline), beside the next step.
/// 13. Scale the target to failover capacity, warm the new instances, add them to api. (When nothing ran
///     there, the scale-out comes first, started at step 3: the service cannot come back without it.)
/// 14. Beside them, the framework's files caught up in the target's file store: from the old region's store if it answers,
///     else from the newest file-storage point, whose age is this failover's file-storage RPO.
/// The run record holds the step timeline, the RTO and the data-loss bound.
/// </summary>
public sealed class Failover : Runbook<FailoverInput, FailoverResult>
{
    protected override async Task<FailoverResult> RunStepsAsync(RunbookRun run, FailoverInput input)
    {
        var plan = await run.StepAsync("assess", AssessFailover.Ref, new AssessFailoverInput(input.To, input.Force, input.LastPrimaryLsn), StepOptions.Urgent);
        run.Subject = $"{plan.From} → {plan.To} (epoch {plan.Epoch + 1})";

        ApprovalOutcome? approval = null;
        if (!input.Automatic)
        {
            approval = await run.RequireApprovalAsync("approval", input.PreApproved, input.ApprovedBy, TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds),
                $"failover {plan.From} → {plan.To}", "nothing was changed");
        }

        var running = await run.StepAsync("find running instances", FindRunningInstances.Ref, new RegionInput(plan.To), StepOptions.Urgent);
        // Scaling out competes for the machine with the critical path (new processes start cold): it waits
        // for the service to be back, unless nothing runs in the target region and the service needs it.
        Task<IReadOnlyList<ServiceScaled>>? scaling = running.Count == 0
            ? run.StepAsync("scale new region", ScaleRegion.Ref, new RegionInput(plan.To), StepOptions.Urgent)
            : null;

        // Beside the drain: the target's instances in service (a planned move may have drained them, or a person).
        var undraining = run.StepAsync("undrain new region", SetRegionDrain.Ref, RegionDrain.Off(plan.To), StepOptions.Urgent);
        await run.StepAsync("drain old region", SetRegionDrain.Ref, RegionDrain.On(plan.From), StepOptions.Urgent);
        await undraining;
        var fence = await run.StepAsync("fence old primary", FenceOldPrimary.Ref,
            new FenceOldPrimaryInput(plan.FromNode, $"failover to {plan.To} ({run.InstanceId})"), StepOptions.Urgent);

        var newTimeline = plan.StandbyAlreadyPrimary ? plan.StandbyTimeline : plan.StandbyTimeline + 1;
        await run.StepAsync("record new primary", RecordServingPrimary.Ref,
            new RecordServingPrimaryInput(plan.Epoch + 1, plan.To, plan.ToNode, newTimeline, null, run.Now), StepOptions.Urgent);
        var promoting = run.StepAsync("promote database", PromoteNode.Ref, new NodeInput(plan.ToNode),
            StepOptions.Urgent.WithTimeout(TimeSpan.FromSeconds(90)));
        var cache = run.StepAsync("promote cache", PromoteCache.Ref, new RegionInput(plan.To), StepOptions.Urgent);
        var promoted = await promoting;
        await cache;
        var recorded = run.StepAsync("record promotion", RecordServingPrimary.Ref,
            new RecordServingPrimaryInput(plan.Epoch + 1, plan.To, plan.ToNode, promoted.Timeline, promoted.CurrentLsn, run.Now), StepOptions.Urgent);

        var movedAt = run.Now;
        var db = await run.StepAsync("switch db record", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(plan.To, "db"), StepOptions.Urgent);
        var dns = new List<DnsRecordSwitched> { db };
        if (scaling is not null)
        {
            // Nothing ran there before: the service is back only once the scale-out is up.
            running = (await scaling).SelectMany(s => s.Addresses).Distinct().Order().ToList();
        }

        await run.StepAsync("warm up", WarmUpRegion.Ref, new WarmUpRegionInput(plan.To, running), StepOptions.Urgent);
        dns.Add(await run.StepAsync("switch api record", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(plan.To, "api", running), StepOptions.Urgent));
        var verified = await run.StepAsync("verify", VerifyService.Ref, new VerifyServiceInput(plan.To, run.InstanceId), StepOptions.Urgent);
        var rto = (run.Now - (input.DetectedAt ?? run.StartedAt)).TotalSeconds;

        var backup = run.StepAsync("emergency backup", TakeBaseBackup.Ref,
            new TakeBaseBackupInput(BackupIds.For(run.Now, run.InstanceId), run.Now, BackupSources.Primary), StepOptions.Retried);
        var files = run.StepAsync("catch up files", FileStorage.CatchUpFiles.Ref, new FileStorage.CatchUpFilesInput(plan.From, plan.To, movedAt),
            StepOptions.Retried);
        var scaledOut = await ScaleOut.RunAsync(run, plan.To, running, StepOptions.Urgent, scaling);
        var scaled = scaledOut.Scaled;
        if (scaledOut.Api is { } api)
        {
            dns.Add(api);
        }

        await recorded;
        run.Report("rtoSeconds", rto);
        // Its own phase of the RTO: submitted → the provider's servers answer (Route 53: INSYNC); resolvers may
        // keep the old answer up to the TTL after that.
        run.Report("dnsInSyncSeconds", Math.Round(dns.Sum(d => d.InSyncSeconds), 3));
        run.Report("dnsTtlSeconds", db.TtlSeconds);
        run.Report("timeline", promoted.Timeline ?? 0);
        if (plan.LagBytes is { } lag)
        {
            run.Report("dataLossBoundBytes", lag);
        }

        var emergency = await backup;
        run.Report("emergencyBackupBytes", emergency.ArchiveSizeBytes);
        var caughtUp = await FileStorage.CatchUpFiles.ReportAsync(run, files);

        return new FailoverResult(plan, approval, fence, promoted, dns, scaled, verified, emergency.BackupId, rto, plan.LagBytes, caughtUp);
    }
}
