using CausalEval.Dr.Orchestrations.FileStorage;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Recovery;

/// <summary>The RecoverRegion runbook on a scripted context: the cold region rebuilt, in the order that keeps one primary.</summary>
public sealed class Recover_region_steps_test
{
    private static readonly RegionRecoveryPlan Region = new("dr", "dr-db", "127.0.3.1", 5432, Epoch: 4, ServingRegion: "secondary",
        ServingNode: "secondary-db");

    private static readonly RecoveryPlan Database = new("b1", DateTimeOffset.UnixEpoch, "0/2000100", 2, "latest", 2, null, null, "dr-db");

    private static ScriptedOrchestrationContext Scripted() => new ScriptedOrchestrationContext()
        .On(nameof(PlanRegionRecovery), (_, _) => Region)
        .On(nameof(PlanRecovery), (_, _) => Database)
        .JobsEndAtOnce(_ => new JsonObject { ["timeline"] = 3 })
        .On(nameof(FenceOldPrimary), (_, _) => new OldPrimaryFenced("secondary-db", Fenced: false, Reachable: false, "gone"))
        .On(nameof(ApplyApplicationStateBackup), (_, _) => new ApplicationStateRestored("s1", 1, 0, 0, 0, 0))
        .On(nameof(SwitchDnsRecord), (_, _) => new DnsRecordSwitched("x.test", [], [], Changed: true, Queries: 1))
        .On(nameof(ScaleRegion), (_, _) => new[] { new ServiceScaled("dr", "api", 1, 1, ["127.0.3.11"]) })
        .On(nameof(VerifyService), (_, _) => new ServiceVerified("api.x.test", ["127.0.3.11"], 1, "127.0.3.1", true))
        .On(nameof(TakeBaseBackup), (_, _) => new BaseBackupTaken("b2", "file:///store", "database/b2/base.tar.zst", 1, 1, "0/1", "0/2", 3, 1, false))
        .On(nameof(CatchUpFiles), (_, _) => new FilesCaughtUp(true, "p1", 3, 0, 0, 42, null, "point p1 restored"))
        .On(nameof(RecordRun), (_, _) => "runs/key");

    [Fact]
    public async Task The_old_primary_is_fenced_and_the_new_one_recorded_before_it_is_swapped_in_and_traffic_moves_last()
    {
        var context = Scripted();

        var result = await new RecoverRegion().RunAsync(context, new RecoverRegionInput("dr", PreApproved: true, ApprovedBy: "ops"));

        var steps = context.RunRecord().Steps.Select(s => s.Name).ToList();
        Assert.Equal(["plan region", "plan database", "approval", "provision region", "check node", "recover database", "fence old primary",
            "record new primary", "swap in", "restore application state", "switch db record", "scale new region", "warm up scaled",
            "add scaled to api", "verify", "base backup", "catch up files"], steps);
        var recorded = (RecordServingPrimaryInput)context.Inputs.Single(i => i.Activity == nameof(RecordServingPrimary)).Input!;
        Assert.Equal((Region.Epoch + 1, "dr-db", 3), (recorded.Epoch, recorded.Node, recorded.Timeline));
        Assert.Equal(["127.0.3.11"], ((WarmUpRegionInput)context.Inputs.Single(i => i.Activity == nameof(WarmUpRegion)).Input!).Addresses);
        Assert.Equal(context.RunRecord().Figures!["rtoSeconds"], result.RtoSeconds);
        Assert.Equal(42, context.RunRecord().Figures!["fileStorageRpoSeconds"]); // the lost region's files: the point restored, its age
    }

    [Fact]
    public async Task A_rejected_region_recovery_provisions_nothing()
    {
        var context = Scripted().Raise(ApprovalEvents.Reject, new ApprovalDecision("ops", "the region is back", Step: 3));

        await Assert.ThrowsAsync<NotApprovedException>(() => new RecoverRegion().RunAsync(context, new RecoverRegionInput("dr")));

        Assert.Equal([nameof(PlanRegionRecovery), nameof(PlanRecovery), nameof(RecordRun)], context.Inputs.Select(i => i.Activity));
        Assert.DoesNotContain(context.Inputs, i => i.Activity == nameof(ProvisionRegion));
    }
}
