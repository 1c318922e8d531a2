using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Redis;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <summary>
/// Runbook: move the service to another region on purpose, losing nothing (maintenance, a drill, going home).
/// 1. Plan: the primary writable, the target's standby streaming from it, close behind, same cluster.
/// 2. Approval (unless pre-approved); 3. hold the health monitor (the primary stops on purpose).
/// 4. The target's instances in service and warm (traffic stays on the old region: the target's cache is a replica
///    and takes no writes before its promotion).
/// 5. The old primary stands down: a clean shutdown checkpoint, fenced, its demotion token taken. Writes stop.
/// 6. The old region is drained while the target replays the token (same system id and timeline, past the
///    checkpoint): not in time → abort; the undo steps resume the old primary and undrain its region.
/// 7. Promote the target and its cache while the database and public records move to it (writes resume when all are
///    done: the gap ends) — from the promotion on there is no way back, only forward; then at once: 8. record it in the
///    DR state, 9. the old primary re-joins as its standby (no rebuild) and its cache follows.
/// 10. Verify through the public name. 11. The target scales to full capacity. 12. The old region's instances serve again
///    (behind the database record: nothing drained is left for the next move); the monitor is released.
/// </summary>
public sealed class Switchover : Runbook<SwitchoverInput, SwitchoverResult>
{
    protected override Task<SwitchoverResult> RunStepsAsync(RunbookRun run, SwitchoverInput input) => RunSwitchoverAsync(run, input);

    /// <summary>The switchover's steps, also the second half of <see cref="Failback"/>.</summary>
    internal static async Task<SwitchoverResult> RunSwitchoverAsync(RunbookRun run, SwitchoverInput input)
    {
        var plan = await run.StepAsync("plan", PlanSwitchover.Ref, new PlanSwitchoverInput(input.To, (long)(input.MaxLagMiB * 1048576)), StepOptions.Urgent);
        run.Subject = $"{plan.From} → {plan.To} (epoch {plan.Epoch + 1})";
        var approval = await run.RequireApprovalAsync("approval", input.PreApproved, input.ApprovedBy, TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds),
            $"switchover {plan.From} → {plan.To}", "nothing was changed");

        await run.StepAsync("hold failover", HoldFailover.Ref, new HoldFailoverInput(true, $"switchover {plan.From} → {plan.To}", Minutes: 15),
            StepOptions.Urgent);
        run.OnFailureUndo("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "switchover failed"));

        // Traffic first: the target's instances take the public name while the old primary still serves them.
        var running = await run.StepAsync("find running instances", FindRunningInstances.Ref, new RegionInput(plan.To), StepOptions.Urgent);
        if (running.Count == 0)
        {
            var scaled = await run.StepAsync("scale new region", ScaleRegion.Ref, new RegionInput(plan.To), StepOptions.Urgent);
            running = scaled.SelectMany(s => s.Addresses).Distinct().Order().ToList();
        }

        await run.StepAsync("undrain new region", SetRegionDrain.Ref, RegionDrain.Off(plan.To), StepOptions.Urgent);
        await run.StepAsync("warm up", WarmUpRegion.Ref, new WarmUpRegionInput(plan.To, running), StepOptions.Urgent);

        // The write gap: from here until the database record names the promoted node. Traffic stays where it is until
        // then: the target's instances cannot take writes before their cache is promoted (it is a replica), so moving the
        // public name earlier only started the gap earlier.
        var gapStarted = run.Now;
        var token = await run.StepAsync("stand down old primary", StandDownPrimary.Ref,
            new StandDownPrimaryInput(plan.FromNode, $"switchover to {plan.To} ({run.InstanceId})"), StepOptions.Urgent);
        run.OnFailureUndo("resume old primary", ResumeOldPrimary.Ref, new ResumeOldPrimaryInput(plan.FromNode, plan.ToNode));
        // Drained while the token is awaited (its database is down already): nothing there may write its cache once the
        // target's is promoted, as the old cache's writes are dropped when it follows the new one.
        var draining = run.StepAsync("drain old region", SetRegionDrain.Ref, RegionDrain.On(plan.From), StepOptions.Urgent);
        run.OnFailureUndo("undrain old region", SetRegionDrain.Ref, RegionDrain.Off(plan.From));
        try
        {
            await run.StepAsync("wait for demotion token", WaitForDemotionToken.Ref,
                new WaitForDemotionTokenInput(plan.ToNode, token, plan.StandbyTimeline, input.TokenTimeoutSeconds), StepOptions.Once);
        }
        catch
        {
            await Task.WhenAny(draining); // the undo undrains: it must not race the drain still in flight
            throw;
        }

        await draining;

        // The database and public records move with the promotion, not after it: the old primary is down and fenced, so a
        // client that follows them early meets a standby that refuses writes until it is promoted, and the gap ends when
        // all are done.
        var switchingDb = run.StepAsync("switch db record", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(plan.To, "db"), StepOptions.Urgent);
        run.OnFailureUndo("switch db record back", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(plan.From, "db"));
        var switchingApi = run.StepAsync("switch api record", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(plan.To, "api", running), StepOptions.Urgent);
        if (plan.ApiBefore.Count > 0)
        {
            run.OnFailureUndo("switch api record back", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(plan.From, "api", plan.ApiBefore));
        }

        var promoting = run.StepAsync("promote database", PromoteNode.Ref, new NodeInput(plan.ToNode),
            StepOptions.Urgent.WithTimeout(TimeSpan.FromSeconds(90)));
        var cache = run.StepAsync("promote cache", PromoteCache.Ref, new RegionInput(plan.To), StepOptions.Urgent);
        NodeStatus promoted;
        try
        {
            promoted = await promoting;
        }
        catch
        {
            // The undo puts the records back: it must not race the switches still in flight.
            await Task.WhenAny(Task.WhenAll(switchingDb, switchingApi));
            throw;
        }

        run.ForgetUndo(); // a promoted target is the primary now: only forward from here (a failed record switch included)
        run.OnFailureUndo("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "switchover failed after the promotion"));
        await cache;
        // The old primary is fenced by its marker, so the DR state, the record and its re-join can all go at once. The
        // re-join is not left for later: a new primary that waits for a synchronous standby commits nothing until it streams.
        var recording = run.StepAsync("record new primary", RecordServingPrimary.Ref,
            new RecordServingPrimaryInput(plan.Epoch + 1, plan.To, plan.ToNode, promoted.Timeline, promoted.CurrentLsn, run.Now), StepOptions.Urgent);
        var rejoining = run.StepAsync("rejoin old primary", RejoinOldPrimary.Ref, new RejoinOldPrimaryInput(plan.FromNode, plan.ToHost, plan.ToPort),
            StepOptions.Urgent);
        var following = run.StepAsync("old cache follows", FollowNewCache.Ref, new FollowNewCacheInput(plan.From, plan.To), StepOptions.Urgent);
        var dns = new List<DnsRecordSwitched> { await switchingApi };
        var db = await switchingDb;
        var gap = (run.Now - gapStarted).TotalSeconds;
        dns.Add(db);
        await recording;
        // Verified only once the old primary streams again: the test write is a commit, and with a synchronous standby no
        // commit lands before then (a verify racing the re-join failed on writes and pool-starved health checks under load).
        var rejoined = await rejoining;

        var verified = await run.StepAsync("verify", VerifyService.Ref, new VerifyServiceInput(plan.To, run.InstanceId), StepOptions.UntilSettled);
        if ((await ScaleOut.RunAsync(run, plan.To, running, StepOptions.Urgent)).Api is { } api)
        {
            dns.Add(api);
        }

        await following;
        // The old region was drained only while the database moved: its instances serve again (through the database
        // record, with the new primary), so a failover or switchover back finds them in service.
        await run.StepAsync("undrain old region", SetRegionDrain.Ref, RegionDrain.Off(plan.From), StepOptions.Urgent);
        await run.StepAsync("release failover hold", HoldFailover.Ref, new HoldFailoverInput(false, "switchover done"), StepOptions.Urgent);

        run.Report("writeGapSeconds", Math.Round(gap, 3));
        run.Report("dnsInSyncSeconds", Math.Round(dns.Sum(d => d.InSyncSeconds), 3));
        run.Report("timeline", promoted.Timeline ?? 0);
        run.Report("lagBytesAtStart", plan.LagBytes);
        return new SwitchoverResult(plan, approval, token, promoted, dns, verified, rejoined, gap);
    }
}
