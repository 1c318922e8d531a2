using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Switchover;
using CausalEval.Dr.Tests.Orchestrations.Reprotect;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Switchover;

/// <summary>The Failback runbook on a scripted context: re-protect home's node, then switch over to it.</summary>
public sealed class Failback_steps_test
{
    private static ScriptedOrchestrationContext Scripted()
    {
        return Switchover_steps_test.Scripted()
            .On(nameof(PlanReprotect), (_, _) => new ReprotectPlan("primary", "primary-db", "secondary-db", "127.0.2.1", 5432, false, "fenced primary"))
            .JobsEndAtOnce(_ => new JsonObject { ["rewind"] = true })
            .On(nameof(WaitForStreaming), (_, _) =>
                new NodeStatus("primary-db", NodeRole.Standby, true, false, false, 2, null, null, "0/1", "0/1", 0, 0, [], null));
    }

    [Fact]
    public async Task Home_is_re_protected_first_then_the_service_switches_over_to_it()
    {
        var context = Scripted();

        var result = await new Failback().RunAsync(context, new FailbackInput(PreApproved: true, ApprovedBy: "test"));

        var steps = context.RunRecord().Steps.Select(s => s.Name).ToList();
        Assert.Equal(["plan", "rewind", "check streaming", "plan", "approval"], steps.Take(5));
        Assert.Equal("primary", ((PlanSwitchoverInput)context.Inputs.Single(i => i.Activity == nameof(PlanSwitchover)).Input!).To);
        Assert.Equal("rewind", result.Reprotected.Method);
        // The region the service left goes back to its normal capacity, last.
        Assert.Equal($"scale {result.SwitchedBack.Plan.From} to normal", steps[^1]);
        Assert.Equal(result.SwitchedBack.Plan.From, ((RegionInput)context.Inputs.Single(i => i.Activity == nameof(ScaleRegionToNormal)).Input!).Region);
    }

    [Fact]
    public async Task A_rejected_switchover_leaves_home_a_standby_and_moves_nothing()
    {
        var context = Scripted().Raise(ApprovalEvents.Reject, new ApprovalDecision("lead", "not today", Step: 5));

        await Assert.ThrowsAsync<NotApprovedException>(() => new Failback().RunAsync(context, new FailbackInput()));

        Assert.Equal([AgentJob.RewindKind], context.JobKinds());
        Assert.DoesNotContain(context.Inputs, i => i.Activity is nameof(HoldFailover) or nameof(SwitchDnsRecord) or nameof(StandDownPrimary));
        Assert.DoesNotContain(context.RunRecord().Steps, s => s.Name.StartsWith("undo ", StringComparison.Ordinal));
    }
}
