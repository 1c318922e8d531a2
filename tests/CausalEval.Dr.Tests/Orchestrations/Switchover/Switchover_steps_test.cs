using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Switchover;
using CausalEval.Dr.Tests.Orchestrations.Steps;
using SwitchoverRunbook = CausalEval.Dr.Orchestrations.Switchover.Switchover;

namespace CausalEval.Dr.Tests.Orchestrations.Switchover;

/// <summary>The Switchover runbook's order and undo on a scripted context: no processes, milliseconds.</summary>
public sealed class Switchover_steps_test
{
    private static readonly SwitchoverPlan Plan = new("primary", "primary-db", "127.0.1.1", 5432, "secondary", "secondary-db", "127.0.2.1", 5432,
        Epoch: 4, StandbyTimeline: 3, LagBytes: 0, ApiBefore: ["127.0.1.11"]);

    private static readonly NodeStatus Promoted = new("secondary-db", NodeRole.Primary, Running: true, Writable: true, Fenced: false, Timeline: 4,
        CurrentLsn: "0/7000000", FlushLsn: "0/7000000", ReceiveLsn: null, ReplayLsn: null, ReplayLagBytes: null, ReplayDelaySeconds: null, Replicas: [],
            Upstream: null);

    internal static ScriptedOrchestrationContext Scripted() => new ScriptedOrchestrationContext()
        .On(nameof(PlanSwitchover), (_, _) => Plan)
        .On(nameof(FindRunningInstances), (_, _) => new[] { "127.0.2.11" })
        .On(nameof(SwitchDnsRecord), (input, _) => new DnsRecordSwitched("x.test", [], [], Changed: true, Queries: 1))
        .On(nameof(StandDownPrimary), (_, _) => new DemotionToken("primary-db", "1", 3, "0/6000028", "0/6000028", DemotionToken.CleanShutdown))
        .On(nameof(PromoteNode), (_, _) => Promoted)
        .On(nameof(VerifyService), (_, _) => new ServiceVerified("api.x.test", ["127.0.2.11"], 1, "127.0.2.1", true))
        .On(nameof(ScaleRegion), (_, _) => Array.Empty<ServiceScaled>())
        .On(nameof(RecordRun), (_, _) => "runs/key");

    private static SwitchoverInput Input => new("secondary", PreApproved: true, ApprovedBy: "test");

    private static List<(string Region, string Record)> DnsSwitches(ScriptedOrchestrationContext context) =>
        context.Inputs.Where(i => i.Activity == nameof(SwitchDnsRecord)).Select(i => (SwitchDnsRecordInput)i.Input!).Select(i => (i.Region, i.Record)).ToList();

    [Fact]
    public async Task Traffic_stays_until_the_stand_down_and_both_records_move_with_the_promotion()
    {
        var context = Scripted();

        var result = await new SwitchoverRunbook().RunAsync(context, Input);

        var steps = context.RunRecord().Steps.Select(s => s.Name).ToList();
        Assert.Equal(["plan", "approval", "hold failover", "find running instances", "undrain new region", "warm up", "stand down old primary"],
            steps.Take(7));
        // The drain goes while the token is awaited; both records, the promotion and the cache start together once it is replayed.
        Assert.Equal(["drain old region", "wait for demotion token"], steps.Skip(7).Take(2).Order());
        Assert.Equal(["promote cache", "promote database", "switch api record", "switch db record"], steps.Skip(9).Take(4).Order());
        Assert.Equal([("secondary", "api"), ("secondary", "db")], DnsSwitches(context).Order());
        Assert.Equal(["undrain old region", "release failover hold"], steps.TakeLast(2));
        Assert.Equal((Promoted.Node, Promoted.Timeline), (result.Promoted.Node, result.Promoted.Timeline));
    }

    [Fact]
    public async Task Every_step_a_run_takes_is_planned_and_in_the_plans_order()
    {
        var context = Scripted();

        await new SwitchoverRunbook().RunAsync(context, Input);

        var plan = RunbookRegistry.Find(typeof(SwitchoverRunbook))!.PlannedSteps;
        var taken = context.RunRecord().Steps.Select(s => s.Name).ToList();
        // Steps started together may end in any order: compare them in the plan's.
        int InPlan(string name) => plan.ToList().IndexOf(name);
        var ordered = taken.Take(7).Concat(taken.Skip(7).Take(2).OrderBy(InPlan)).Concat(taken.Skip(9).Take(4).OrderBy(InPlan)).Concat(taken.Skip(13));
        var next = 0;
        foreach (var name in ordered)
        {
            next = plan.ToList().IndexOf(name, next) + 1;
            Assert.True(next > 0, $"'{name}' was run but is not planned after the steps before it: [{string.Join(", ", plan)}]");
        }

        Assert.Equal(plan.Count, context.Statuses.OfType<RunbookStatus>().First().Count);
    }

    [Fact]
    public async Task A_failed_promotion_points_the_database_record_back_and_resumes_the_old_primary()
    {
        var context = Scripted().On(nameof(PromoteNode), (_, _) => throw new SafetyCheckRefusedException("secondary-db: not in recovery"));

        await Assert.ThrowsAsync<SafetyCheckRefusedException>(() => new SwitchoverRunbook().RunAsync(context, Input));

        var undone = context.RunRecord().Steps.Where(s => s.Name.StartsWith("undo ", StringComparison.Ordinal)).Select(s => s.Name).ToList();
        Assert.Equal(["undo switch api record back", "undo switch db record back", "undo undrain old region", "undo resume old primary",
            "undo release failover hold"], undone);
        Assert.Equal([("primary", "api"), ("primary", "db")], DnsSwitches(context).Skip(2));
        Assert.Equal(1, context.AttemptsOf(nameof(PromoteNode)));
    }

    [Fact]
    public async Task A_token_never_replayed_undrains_and_resumes_the_old_primary_and_moves_no_record()
    {
        var context = Scripted().On(nameof(WaitForDemotionToken), (_, _) => throw new SafetyCheckRefusedException("secondary-db did not replay the token"));

        await Assert.ThrowsAsync<SafetyCheckRefusedException>(() => new SwitchoverRunbook().RunAsync(context, Input));

        var undone = context.RunRecord().Steps.Where(s => s.Name.StartsWith("undo ", StringComparison.Ordinal)).Select(s => s.Name).ToList();
        Assert.Equal(["undo undrain old region", "undo resume old primary", "undo release failover hold"], undone);
        Assert.Empty(DnsSwitches(context));
        Assert.Equal(0, context.AttemptsOf(nameof(PromoteNode)));
    }
}
