using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <param name="Node">The primary that stood down.</param>
/// <param name="Target">The standby the switchover meant to promote: if it was promoted after all, resuming would make two primaries.</param>
public sealed record ResumeOldPrimaryInput(string Node, string Target);

/// <summary>
/// An aborted switchover's undo: the primary that stood down serves again (unfenced, started writable). Refused
/// when the target is no longer a standby (it was promoted, or cannot be asked): one primary at a time.
/// Idempotent: a running writable primary is returned as it is.
/// </summary>
public sealed class ResumeOldPrimary(NodeAgents agents) : DrActivity<ResumeOldPrimary, ResumeOldPrimaryInput, NodeStatus>
{
    public override async Task<NodeStatus> RunAsync(TaskActivityContext context, ResumeOldPrimaryInput input)
    {
        var old = agents.For(input.Node);
        var now = await old.StatusAsync();
        if (now.Writable)
        {
            return now;
        }

        var target = await agents.For(input.Target).StatusWithinAsync(TimeSpan.FromSeconds(5));
        if (target is not { Role: NodeRole.Standby })
        {
            throw new SafetyCheckRefusedException(
                $"{input.Node} stays stood down: {input.Target} is {(target is null ? "unreachable"
                    : target.Role.ToString().ToLowerInvariant())}, and a second primary would split the cluster; decide by hand (dr switchover / dr failover)");
        }

        await old.UnfenceAsync();
        var started = await old.StartAsync();
        return started.Writable
            ? started
            : throw new InvalidOperationException($"{input.Node} started but is not writable ({started.Role}{(started.Fenced ? ", fenced" : "")})");
    }
}
