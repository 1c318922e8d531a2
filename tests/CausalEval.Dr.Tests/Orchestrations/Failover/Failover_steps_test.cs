using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.FileStorage;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Tests.Orchestrations.Steps;
using FailoverRunbook = CausalEval.Dr.Orchestrations.Failover.Failover;

namespace CausalEval.Dr.Tests.Orchestrations.Failover;

/// <summary>The Failover runbook's order and branches on a scripted context: no processes, milliseconds.</summary>
public sealed class Failover_steps_test
{
    private static readonly FailoverPlan Plan = new("primary", "primary-db", "secondary", "secondary-db", Epoch: 2, StandbyTimeline: 1,
        StandbyReceiveLsn: "0/3000000", StandbyReplayLsn: "0/3000000", LastPrimaryLsn: "0/3000000", LagBytes: 0, ReplayDelaySeconds: 0.1,
        RpoSeconds: 300, Forced: false, StandbyAlreadyPrimary: false);

    private static readonly NodeStatus Promoted = new("secondary-db", NodeRole.Primary, Running: true, Writable: true, Fenced: false, Timeline: 2,
        CurrentLsn: "0/3000100", FlushLsn: "0/3000100", ReceiveLsn: null, ReplayLsn: null, ReplayLagBytes: null, ReplayDelaySeconds: null, Replicas: [],
        Upstream: null);

    private static readonly BaseBackupTaken Backup = new("b1", "file:///store", "database/b1/base.tar.zst", 100, 1000, "0/3000200", "0/3000300", 2, 1.5, false);

    private static ScriptedOrchestrationContext Scripted(params string[] running) => new ScriptedOrchestrationContext()
        .On(nameof(AssessFailover), (_, _) => Plan)
        .On(nameof(FindRunningInstances), (_, _) => running)
        .On(nameof(ScaleRegion), (_, _) => new[] { new ServiceScaled("secondary", "api", 2, 2, ["127.0.2.11", "127.0.2.12"]) })
        .On(nameof(FenceOldPrimary), (_, _) => new OldPrimaryFenced("primary-db", Fenced: false, Reachable: false, "connection refused"))
        .On(nameof(PromoteNode), (_, _) => Promoted)
        .On(nameof(SwitchDnsRecord), (_, _) => new DnsRecordSwitched("x.test", [], [], Changed: true, Queries: 1))
        .On(nameof(VerifyService), (_, _) => new ServiceVerified("api.x.test", ["127.0.2.11"], 1, "127.0.2.1", true))
        .On(nameof(TakeBaseBackup), (_, _) => Backup)
        .On(nameof(CatchUpFiles), (_, _) => new FilesCaughtUp(true, "p1", 3, 0, 0, 42, null, "point p1 restored"))
        .On(nameof(RecordRun), (_, _) => "runs/key");

    private static FailoverInput Automatic(DateTime detectedAt) => new(Trigger: FailoverInput.MonitorTrigger, DetectedAt: detectedAt);

    private static List<string> Steps(ScriptedOrchestrationContext context) => context.RunRecord().Steps.Select(s => s.Name).ToList();

    [Fact]
    public async Task An_automatic_failover_has_no_gate_records_the_new_primary_before_promoting_and_measures_the_rto_to_verify()
    {
        var context = Scripted("127.0.2.11");
        var detectedAt = context.CurrentUtcDateTime.AddSeconds(-2);

        var result = await new FailoverRunbook().RunAsync(context, Automatic(detectedAt));

        var steps = Steps(context);
        Assert.DoesNotContain("approval", steps);
        Assert.True(steps.IndexOf("record new primary") < steps.IndexOf("promote database"), string.Join(", ", steps));
        Assert.True(steps.IndexOf("promote database") < steps.IndexOf("switch db record"));
        Assert.True(steps.IndexOf("switch api record") < steps.IndexOf("verify"));
        Assert.True(steps.IndexOf("verify") < steps.IndexOf("catch up files"), "the files are caught up after the service is back, outside its RTO");
        Assert.Equal(42, context.RunRecord().Figures!["fileStorageRpoSeconds"]);
        Assert.All(context.Inputs.Where(i => i.Activity == nameof(RecordServingPrimary)),
            i => Assert.Equal(Plan.Epoch + 1, ((RecordServingPrimaryInput)i.Input!).Epoch));
        var verifiedAt = context.RunRecord().Steps.Single(s => s.Name == "verify").EndedAt;
        Assert.Equal((verifiedAt - detectedAt).TotalSeconds, result.RtoSeconds, 3);
        // The scale-out waits for the service to be back: the instances that ran take the traffic first.
        Assert.True(steps.IndexOf("verify") < steps.IndexOf("scale new region"));
        Assert.Equal(["127.0.2.11"], ((WarmUpRegionInput)context.Inputs.First(i => i.Activity == nameof(WarmUpRegion)).Input!).Addresses);
    }

    [Fact]
    public async Task With_nothing_running_in_the_target_the_scale_out_starts_first_and_its_instances_take_the_traffic()
    {
        var context = Scripted();

        await new FailoverRunbook().RunAsync(context, Automatic(context.CurrentUtcDateTime));

        var activities = context.Inputs.Select(i => i.Activity).ToList();
        Assert.True(activities.IndexOf(nameof(ScaleRegion)) < context.Inputs.FindIndex(i => i.Input is RegionDrain { Drained: true }));
        Assert.Equal(["127.0.2.11", "127.0.2.12"], ((WarmUpRegionInput)context.Inputs.First(i => i.Activity == nameof(WarmUpRegion)).Input!).Addresses);
        Assert.Single(activities, nameof(ScaleRegion));
    }

    [Fact]
    public async Task A_rejected_manual_failover_changes_nothing()
    {
        var context = Scripted("127.0.2.11").Raise(ApprovalEvents.Reject, new ApprovalDecision("lead", "a blip", Step: 2));

        await Assert.ThrowsAsync<NotApprovedException>(() => new FailoverRunbook().RunAsync(context, new FailoverInput()));

        Assert.Equal([nameof(AssessFailover), nameof(RecordRun)], context.Inputs.Select(i => i.Activity));
        Assert.Equal(["assess", "approval"], Steps(context));
    }
}
