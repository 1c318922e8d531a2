using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Recovery;

/// <summary>The RecoverDatabase runbook on a scripted context: beside the cluster, and in place (gate, swap, undo).</summary>
public sealed class Recover_database_steps_test
{
    private static readonly RecoveryPlan Plan = new("b1", DateTimeOffset.UnixEpoch, "0/2000100", 1, "2026-12-01T08:00:00Z", 1, "000000010000000000000003",
        DateTimeOffset.UnixEpoch, "primary-db");

    private static readonly ReplacePlan Replace = new("primary-db", "primary", 3, "127.0.1.1", 5432, Standby: "secondary-db");

    /// <summary>Agent jobs end at once; a job of <paramref name="failingKind"/> fails.</summary>
    private static ScriptedOrchestrationContext Scripted(string? failingKind = null) => new ScriptedOrchestrationContext()
        .On(nameof(PlanRecovery), (_, _) => Plan)
        .On(nameof(PlanReplace), (_, _) => Replace)
        .On(nameof(ReadNodeStatus), (_, _)
            => new NodeStatus("primary-db", NodeRole.Primary, true, true, false, 1, "0/1", "0/1", null, null, null, null, [], null))
        .JobsEndAtOnce(_ => new JsonObject { ["timeline"] = 2, ["replaySeconds"] = 1.5 }, failingKind)
        .On(nameof(TakeBaseBackup), (_, _) => new BaseBackupTaken("b2", "file:///store", "database/b2/base.tar.zst", 1, 1, "0/1", "0/2", 2, 1, false))
        .On(nameof(RecordRun), (_, _) => "runs/key");

    private static List<bool> Holds(ScriptedOrchestrationContext context) =>
        context.Inputs.Where(i => i.Activity == nameof(HoldFailover)).Select(i => ((HoldFailoverInput)i.Input!).Hold).ToList();

    [Fact]
    public async Task A_recovery_beside_the_cluster_recovers_the_planned_backup_to_the_target_and_touches_nothing_else()
    {
        var context = Scripted();

        var result = await new RecoverDatabase().RunAsync(context, new RecoverDatabaseInput("latest", null, "/srv/pitr"));

        Assert.Equal(["plan", "check node", "recover"], context.RunRecord().Steps.Select(s => s.Name));
        var request = ((NodeJobInput)context.Inputs.Single(i => i.Activity == nameof(StartNodeJob)).Input!).Request!;
        Assert.Equal((AgentJob.RecoverKind, "b1", Plan.Target, "/srv/pitr"), (request.Kind, request.BackupId, request.Target, request.DataDirectory));
        Assert.Null(result.Replaced);
        Assert.Equal(1.5, context.RunRecord().Figures!["replaySeconds"]);
    }

    [Fact]
    public async Task A_replace_that_is_rejected_leaves_the_primary_untouched()
    {
        var context = Scripted().Raise(ApprovalEvents.Reject, new ApprovalDecision("dba", "wrong target", Step: 5));

        await Assert.ThrowsAsync<NotApprovedException>(()
            => new RecoverDatabase().RunAsync(context, new RecoverDatabaseInput("latest", null, null, Replace: true)));

        Assert.Equal([AgentJob.RecoverKind], context.JobKinds());
        Assert.Empty(Holds(context));
    }

    [Fact]
    public async Task A_replace_swaps_in_records_the_timeline_rebuilds_the_standby_and_takes_a_base_backup_under_a_failover_hold()
    {
        var context = Scripted();

        var result = await new RecoverDatabase().RunAsync(context,
            new RecoverDatabaseInput("latest", null, null, Replace: true, PreApproved: true, ApprovedBy: "dba"));

        Assert.Equal([AgentJob.RecoverKind, AgentJob.SwapInKind, AgentJob.RebuildKind], context.JobKinds());
        Assert.Equal([true, false], Holds(context));
        var recorded = (RecordServingPrimaryInput)context.Inputs.Single(i => i.Activity == nameof(RecordServingPrimary)).Input!;
        Assert.Equal((Replace.Epoch, "primary-db", 2), (recorded.Epoch, recorded.Node, recorded.Timeline)); // same epoch, the new timeline
        Assert.Equal("b2", result.Replaced!.BackupId);
    }

    [Fact]
    public async Task A_swap_in_that_fails_releases_the_failover_hold()
    {
        var context = Scripted(failingKind: AgentJob.SwapInKind);

        await Assert.ThrowsAnyAsync<Exception>(() => new RecoverDatabase().RunAsync(context,
            new RecoverDatabaseInput("latest", null, null, Replace: true, PreApproved: true, ApprovedBy: "dba")));

        Assert.Equal([true, false], Holds(context));
        Assert.Contains("undo release failover hold", context.RunRecord().Steps.Select(s => s.Name));
        Assert.DoesNotContain(context.Inputs, i => i.Activity == nameof(RecordServingPrimary));
    }
}
