using CausalEval.Dr.Orchestrations.Instances;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core.Exceptions;
using DurableTask.Core;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>Finds, starts and ends instances on the local task hub, for singleton starts (the failover, the monitor).</summary>
public sealed class TaskHubInstanceStarter(LocalTaskHub hub) : IInstanceStarter, IFixedIdInstances
{
    private static readonly OrchestrationStatus[] AnyStatus = Enum.GetValues<OrchestrationStatus>();

    private static readonly OrchestrationStatus[] Active =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Suspended];

    public Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default) =>
        QueryAsync(new OrchestrationInstanceStatusQueryCondition { InstanceIdPrefix = idPrefix, FetchInput = false, FetchOutput = false }, cancellationToken);

    public Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(new OrchestrationInstanceStatusQueryCondition { RuntimeStatus = Active, FetchInput = false, FetchOutput = false }, cancellationToken);

    private async Task<IReadOnlyList<InstanceInfo>> QueryAsync(OrchestrationInstanceStatusQueryCondition condition, CancellationToken cancellationToken)
    {
        var found = new List<InstanceInfo>();
        string? token = null;
        do
        {
            var page = await hub.Service.GetOrchestrationStateAsync(condition, 500, token, cancellationToken);
            found.AddRange(page.OrchestrationState.Select(s
                => new InstanceInfo(s.OrchestrationInstance.InstanceId, s.Name, s.OrchestrationStatus.ToString(), s.CreatedTime)));
            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));
        return found;
    }

    public async Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default)
    {
        try
        {
            await hub.Client.CreateOrchestrationInstanceAsync(orchestrator, version, instanceId, input, null, AnyStatus);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }

    public async Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default)
    {
        if (await hub.Client.GetOrchestrationStateAsync(instanceId) is { } state)
        {
            await hub.Client.RaiseEventAsync(state.OrchestrationInstance, eventName, data ?? new object());
        }
    }

    public async Task<InstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken = default) =>
        await hub.Client.GetOrchestrationStateAsync(instanceId) is { } state
            ? new InstanceInfo(instanceId, state.Name, state.OrchestrationStatus.ToString(), state.CreatedTime)
            : null;

    public async Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default)
    {
        if (await hub.Client.GetOrchestrationStateAsync(instanceId) is { } state)
        {
            await hub.Client.TerminateInstanceAsync(state.OrchestrationInstance, reason);
        }
    }

    public async Task<bool> StartUnlessActiveAsync(string orchestrator, string version, string instanceId, object? input,
        CancellationToken cancellationToken = default)
    {
        try
        {
            await hub.Client.CreateOrchestrationInstanceAsync(orchestrator, version, instanceId, input, null, Active);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }
}
