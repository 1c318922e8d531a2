using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Steps.Database;

namespace CausalEval.Dr.Orchestrations.StandbyCheck;

/// <param name="Node">The standby node to check (a name of the DR topology).</param>
public sealed record CheckStandbyInput(string Node, string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        string.IsNullOrWhiteSpace(Node) ? "node: the standby node to check is required"
        : Node.Length > RequestLimits.MaxNameLength ? $"node: longer than {RequestLimits.MaxNameLength} characters"
        : null;
}

/// <param name="Upstream">Where its WAL receiver streams from, "host:port".</param>
public sealed record StandbyChecked(string Node, int? Timeline, string Upstream, long? ReplayLagBytes, double? ReplayDelaySeconds);

/// <summary>
/// Runbook: is a standby fit to take over, before a drill or a planned move relies on it?
/// 1. Its status, through its agent: a standby, not fenced, its WAL receiver streaming.
/// Anything else is refused naming what is wrong (a failover would refuse it too); reads only, changes nothing. The run
/// record keeps the replay lag and delay as figures.
/// </summary>
public sealed class CheckStandby : Runbook<CheckStandbyInput, StandbyChecked>
{
    protected override async Task<StandbyChecked> RunStepsAsync(RunbookRun run, CheckStandbyInput input)
    {
        run.Subject = input.Node;
        var status = await run.StepAsync("read standby", ReadNodeStatus.Ref, new NodeInput(input.Node), StepOptions.Retried);
        var problem = status switch
        {
            { Running: false } => $"not running{(status.Error is { } e ? $": {e}" : "")}",
            { Role: not NodeRole.Standby } => $"a {status.Role.ToString().ToLowerInvariant()}, not a standby",
            { Fenced: true } => "fenced: it comes back only by a re-join or a rebuild",
            { Upstream: not { Status: "streaming" } } => $"its WAL receiver is {status.Upstream?.Status ?? "not running"}",
            _ => null,
        };
        if (problem is not null)
        {
            throw new SafetyCheckRefusedException($"standby {input.Node} is {problem}");
        }

        run.Report("replayLagBytes", status.ReplayLagBytes ?? 0);
        run.Report("replayDelaySeconds", status.ReplayDelaySeconds ?? 0);
        return new StandbyChecked(input.Node, status.Timeline, $"{status.Upstream!.SenderHost}:{status.Upstream.SenderPort}", status.ReplayLagBytes,
            status.ReplayDelaySeconds);
    }
}
