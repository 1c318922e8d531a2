using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.StandbyCheck;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.StandbyCheck;

/// <summary>CheckStandby on a scripted context: a streaming standby passes with its lag recorded; anything else is refused by name.</summary>
public sealed class Check_standby_steps_test
{
    private static NodeStatus Standby(NodeRole role = NodeRole.Standby, bool fenced = false, string upstream = "streaming") =>
        new("secondary-db", role, Running: true, Writable: role == NodeRole.Primary, fenced, Timeline: 3, CurrentLsn: null, FlushLsn: null,
            ReceiveLsn: "0/3000100", ReplayLsn: "0/3000000", ReplayLagBytes: 256, ReplayDelaySeconds: 0.4, Replicas: [],
            Upstream: new UpstreamStatus(upstream, "127.0.1.1", 5432));

    private static ScriptedOrchestrationContext Scripted(NodeStatus status) => new ScriptedOrchestrationContext()
        .On(nameof(ReadNodeStatus), (_, _) => status)
        .On(nameof(RecordRun), (_, _) => "runs/key");

    [Fact]
    public async Task A_streaming_standby_passes_and_its_lag_is_recorded()
    {
        var context = Scripted(Standby());

        var result = await new CheckStandby().RunAsync(context, new CheckStandbyInput("secondary-db"));

        Assert.Equal(("127.0.1.1:5432", 256L), (result.Upstream, result.ReplayLagBytes));
        Assert.Equal((256.0, 0.4), (context.RunRecord().Figures!["replayLagBytes"], context.RunRecord().Figures!["replayDelaySeconds"]));
        Assert.Equal(["read standby"], context.RunRecord().Steps.Select(s => s.Name));
    }

    [Theory]
    [InlineData(NodeRole.Primary, false, "streaming", "a primary, not a standby")]
    [InlineData(NodeRole.Standby, true, "streaming", "fenced")]
    [InlineData(NodeRole.Standby, false, "waiting", "its WAL receiver is waiting")]
    public async Task Anything_but_an_unfenced_streaming_standby_is_refused_by_name(NodeRole role, bool fenced, string upstream, string why)
    {
        var context = Scripted(Standby(role, fenced, upstream));

        var error = await Assert.ThrowsAsync<SafetyCheckRefusedException>(() => new CheckStandby().RunAsync(context, new CheckStandbyInput("secondary-db")));

        Assert.Contains($"standby secondary-db is {why}", error.Message);
        Assert.Equal((RunOutcome.Failed, ErrorKind.Refused), (context.RunRecord().Outcome, context.RunRecord().Error!.Kind));
    }
}
