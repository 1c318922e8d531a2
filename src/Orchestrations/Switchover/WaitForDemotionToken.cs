using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <param name="StreamedTimeline">The timeline the standby streamed on from the old primary (the plan's).</param>
public sealed record WaitForDemotionTokenInput(string Node, DemotionToken Token, int StreamedTimeline, double TimeoutSeconds);

/// <summary>
/// Waits until the target standby has replayed past the demoted primary's shutdown checkpoint, on its timeline,
/// being a copy of the same cluster: then it holds every acknowledged commit and may be promoted. Polled every
/// few milliseconds (this wait is inside the write gap). Another cluster or timeline is refused at once; not
/// there within the timeout is refused too: the switchover aborts and puts the old primary back.
/// </summary>
public sealed class WaitForDemotionToken(NodeAgents agents) : DrActivity<WaitForDemotionToken, WaitForDemotionTokenInput, NodeStatus>
{
    public override async Task<NodeStatus> RunAsync(TaskActivityContext context, WaitForDemotionTokenInput input)
    {
        var agent = agents.For(input.Node);
        var deadline = DateTime.UtcNow.AddSeconds(input.TimeoutSeconds);
        while (true)
        {
            NodeStatus? status = null;
            (string Reason, bool Never)? why;
            try
            {
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                status = await agent.StatusAsync(patience.Token);
                why = input.Token.NotReachedBy(status, input.StreamedTimeline);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or DrException)
            {
                why = ($"its agent did not answer ({e.Message})", false);
            }

            if (why is null)
            {
                return status!;
            }

            if (why.Value.Never || DateTime.UtcNow > deadline)
            {
                throw new SafetyCheckRefusedException(
                    $"{input.Node} cannot be promoted without loss: {why.Value.Reason}{(why.Value.Never ? "" : $" after {input.TimeoutSeconds:0.#} s")}");
            }

            await Task.Delay(10);
        }
    }
}
