using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Reprotect;

public sealed record WaitForStreamingInput(string Node, string PrimaryHost, int PrimaryPort, double TimeoutSeconds = 120);

/// <summary>
/// Proves a re-joined node is protecting again: an unfenced standby whose WAL receiver streams from the primary.
/// Waits (a rewound node first replays from the split) up to the timeout, then fails naming what it saw.
/// </summary>
public sealed class WaitForStreaming(NodeAgents agents) : DrActivity<WaitForStreaming, WaitForStreamingInput, NodeStatus>
{
    public override async Task<NodeStatus> RunAsync(TaskActivityContext context, WaitForStreamingInput input)
    {
        var deadline = DateTime.UtcNow.AddSeconds(input.TimeoutSeconds);
        NodeStatus? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await agents.For(input.Node).StatusWithinAsync(TimeSpan.FromSeconds(5));
            if (last is { Fenced: false } && last.StreamsFrom(input.PrimaryHost, input.PrimaryPort))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException(
            $"{input.Node} does not stream from {input.PrimaryHost}:{input.PrimaryPort} after {input.TimeoutSeconds:0} s: " +
                $"{last?.Role.ToString().ToLowerInvariant() ?? "no answer"}{(last?.Fenced == true ? ", fenced" : "")}, WAL receiver {last?.Upstream?.Status
                ?? "not running"}");
    }
}
