using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <param name="Hold">True: set the hold for <paramref name="Minutes"/>; false: release this run's.</param>
public sealed record HoldFailoverInput(bool Hold, string Reason, int Minutes = 30);

/// <summary>Sets or releases this run's <see cref="FailoverHold"/> (the monitor's blind spot for planned work). Idempotent.</summary>
public sealed class HoldFailover(ServingPrimaryStore store) : DrActivity<HoldFailover, HoldFailoverInput, FailoverHold?>
{
    public override async Task<FailoverHold?> RunAsync(TaskActivityContext context, HoldFailoverInput input)
    {
        if (!input.Hold)
        {
            await store.ReleaseAsync(context.InstanceId);
            return null;
        }

        var hold = new FailoverHold(context.InstanceId, input.Reason, DateTimeOffset.UtcNow.AddMinutes(input.Minutes));
        await store.HoldAsync(hold);
        return hold;
    }
}
