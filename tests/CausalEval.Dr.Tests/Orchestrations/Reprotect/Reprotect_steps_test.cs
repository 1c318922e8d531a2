using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Tests.Orchestrations.Steps;
using ReprotectRunbook = CausalEval.Dr.Orchestrations.Reprotect.Reprotect;

namespace CausalEval.Dr.Tests.Orchestrations.Reprotect;

/// <summary>The Reprotect runbook's branches on a scripted context: a node that streams already, pg_rewind, and the base-backup fallback.</summary>
public sealed class Reprotect_steps_test
{
    private static ReprotectPlan Plan(bool protectedAlready) =>
        new("primary", "primary-db", "secondary-db", "127.0.2.1", 5432, protectedAlready, "fenced primary");

    private static readonly NodeStatus Streaming = new("primary-db", NodeRole.Standby, Running: true, Writable: false, Fenced: false, Timeline: 2,
        CurrentLsn: null, FlushLsn: null, ReceiveLsn: "0/3000000", ReplayLsn: "0/3000000", ReplayLagBytes: 0, ReplayDelaySeconds: 0, Replicas: [],
        Upstream: null);

    /// <summary>Agent jobs end at once: a rewind answers <paramref name="rewound"/> (with why not), a rebuild succeeds.</summary>
    internal static ScriptedOrchestrationContext Scripted(bool protectedAlready, bool rewound) => new ScriptedOrchestrationContext()
        .On(nameof(PlanReprotect), (_, _) => Plan(protectedAlready))
        .JobsEndAtOnce(request => request.Kind == AgentJob.RewindKind
            ? new JsonObject { ["rewind"] = rewound, ["reason"] = rewound ? null : "timelines diverged before the last checkpoint" }
            : null)
        .On(nameof(WaitForStreaming), (_, _) => Streaming)
        .On(nameof(RecordRun), (_, _) => "runs/key");

    [Fact]
    public async Task A_node_that_streams_already_is_left_alone()
    {
        var context = Scripted(protectedAlready: true, rewound: true);

        var result = await new ReprotectRunbook().RunAsync(context, new ReprotectInput());

        Assert.Equal("none", result.Method);
        Assert.Empty(context.JobKinds());
        Assert.Equal(["plan", "check streaming"], context.RunRecord().Steps.Select(s => s.Name));
    }

    [Fact]
    public async Task A_rewind_that_works_is_all_it_takes()
    {
        var context = Scripted(protectedAlready: false, rewound: true);

        var result = await new ReprotectRunbook().RunAsync(context, new ReprotectInput());

        Assert.Equal(("rewind", null), (result.Method, result.Reason));
        Assert.Equal([AgentJob.RewindKind], context.JobKinds());
        Assert.Equal(1, context.RunRecord().Figures!["rewound"]);
    }

    [Fact]
    public async Task A_rewind_that_cannot_falls_back_to_a_base_backup_and_says_why()
    {
        var context = Scripted(protectedAlready: false, rewound: false);

        var result = await new ReprotectRunbook().RunAsync(context, new ReprotectInput());

        Assert.Equal("base-backup", result.Method);
        Assert.Equal("pg_rewind could not: timelines diverged before the last checkpoint", result.Reason);
        Assert.Equal([AgentJob.RewindKind, AgentJob.RebuildKind], context.JobKinds());
        Assert.Equal(["plan", "rewind", "base backup", "check streaming"], context.RunRecord().Steps.Select(s => s.Name));
    }

    [Fact]
    public async Task A_base_backup_asked_for_skips_the_rewind()
    {
        var context = Scripted(protectedAlready: false, rewound: true);

        var result = await new ReprotectRunbook().RunAsync(context, new ReprotectInput(BaseBackup: true));

        Assert.Equal(("base-backup", "a base backup was asked for"), (result.Method, result.Reason));
        Assert.Equal([AgentJob.RebuildKind], context.JobKinds());
    }
}
