using CausalEval.Dr.Activities.Instances;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>Singleton starts through the Functions durable client (the failover, the monitor).</summary>
internal sealed class DurableClientInstanceStarter(DurableTaskClient client) : IInstanceStarter
{
    public async Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default)
    {
        var found = new List<InstanceInfo>();
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = idPrefix, FetchInputsAndOutputs = false }).WithCancellation(cancellationToken))
        {
            found.Add(new InstanceInfo(instance.InstanceId, instance.RuntimeStatus.ToString(), instance.CreatedAt.UtcDateTime));
        }

        return found;
    }

    public async Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object input, CancellationToken cancellationToken = default)
    {
        if (await client.GetInstanceAsync(instanceId, cancellationToken) is not null)
        {
            return false;
        }

        await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions(instanceId) { Version = version }, cancellationToken);
        return true;
    }
}
