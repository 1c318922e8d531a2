using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <param name="Epoch">The new epoch (the plan's + 1).</param>
public sealed record RecordServingPrimaryInput(int Epoch, string Region, string Node, int? Timeline, string? Lsn, DateTimeOffset Since);

/// <summary>
/// Writes the DR state's serving-primary record. Written before the promotion (with the timeline the
/// promotion will create), so an old primary that comes back at any moment after this starts fenced; and
/// again after it, with the real timeline and LSN. Idempotent for the same epoch and node; refuses when
/// another run has moved the serving primary meanwhile.
/// </summary>
public sealed class RecordServingPrimary(ServingPrimaryStore store) : DrActivity<RecordServingPrimary, RecordServingPrimaryInput, ServingPrimary>
{
    public override async Task<ServingPrimary> RunAsync(TaskActivityContext context, RecordServingPrimaryInput input)
    {
        var current = await store.ReadAsync();
        if (current is not null && (current.Epoch > input.Epoch
            || (current.Epoch == input.Epoch && !string.Equals(current.Node, input.Node, StringComparison.OrdinalIgnoreCase))))
        {
            throw new SafetyCheckRefusedException(
                $"the DR state moved meanwhile: {current.Node} serves at epoch {current.Epoch} (by {current.By}); this run expected epoch {input.Epoch - 1}");
        }

        var record = new ServingPrimary(input.Epoch, input.Region, input.Node, input.Timeline, input.Lsn ?? current?.Lsn, input.Since, context.InstanceId);
        await store.WriteAsync(record);
        return record;
    }
}
