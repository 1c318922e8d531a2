using DurableTask.Core.Exceptions;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>Starts through a <see cref="DurableTaskClient"/> (the Functions app's): timers, HTTP starters, singleton failover and monitor.</summary>
public sealed class DurableClientInstanceStarter(DurableTaskClient client) : IInstanceStarter, IFixedIdInstances
{
    private static readonly OrchestrationRuntimeStatus[] Active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>Every status: an id that exists in any state is never started again (a finished occurrence included).</summary>
    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    public Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default) =>
        QueryAsync(new OrchestrationQuery { InstanceIdPrefix = idPrefix, FetchInputsAndOutputs = false }, cancellationToken);

    public Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(new OrchestrationQuery { Statuses = Active, FetchInputsAndOutputs = false }, cancellationToken);

    private async Task<IReadOnlyList<InstanceInfo>> QueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        var found = new List<InstanceInfo>();
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            found.Add(new InstanceInfo(instance.InstanceId, instance.Name, instance.RuntimeStatus.ToString(), instance.CreatedAt.UtcDateTime));
        }

        return found;
    }

    public Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(instanceId, eventName, data, cancellationToken);

    /// <summary>One call that the backend refuses when the id exists: two starters racing for one id start it once (no get-then-start).</summary>
    public async Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input,
                new StartOrchestrationOptions(instanceId) { Version = version }.WithDedupeStatuses(AnyStatus), cancellationToken);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }

    public async Task<InstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken = default) =>
        await client.GetInstanceAsync(instanceId, cancellationToken) is { } instance
            ? new InstanceInfo(instance.InstanceId, instance.Name, instance.RuntimeStatus.ToString(), instance.CreatedAt.UtcDateTime)
            : null;

    public Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        client.TerminateInstanceAsync(instanceId, reason, cancellationToken);

    public async Task<bool> StartUnlessActiveAsync(string orchestrator, string version, string instanceId, object? input,
        CancellationToken cancellationToken = default)
    {
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input,
                new StartOrchestrationOptions(instanceId) { Version = version }.WithDedupeStatuses(Active), cancellationToken);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }
}
