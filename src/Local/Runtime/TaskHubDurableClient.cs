using CausalEval.Dr.Orchestrations.Instances;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Newtonsoft.Json.Linq;
using CoreStatus = DurableTask.Core.OrchestrationStatus;
using PurgeResult = Microsoft.DurableTask.Client.PurgeResult;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>
/// The programming model's <see cref="DurableTaskClient"/> over the local task hub, so the HTTP API code the
/// Functions app runs on its durable client (<see cref="Orchestrations.Http.OperatorApi"/>) runs here unchanged.
/// It covers what that API and the starters use: start, get, query, raise, terminate, suspend, resume, purge.
/// </summary>
public sealed class TaskHubDurableClient(LocalTaskHub hub) : DurableTaskClient("local")
{
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        var dedupe = options?.DedupeStatuses?.Select(s => Enum.Parse<CoreStatus>(s, ignoreCase: true)).ToArray();
        var version = options?.Version?.Version;
        // DTFx throws OrchestrationAlreadyExistsException for an id in a dedupe status, as the Functions client does.
        await hub.Client.CreateOrchestrationInstanceAsync(orchestratorName.Name, version ?? "", instanceId, input, null, dedupe);
        return instanceId;
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        hub.Client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, eventName, eventPayload!);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        hub.Client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, options?.Output?.ToString() ?? "terminated");

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        hub.Client.SuspendInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        hub.Client.ResumeInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default)
    {
        var state = await hub.Client.GetOrchestrationStateAsync(instanceId);
        return state is null ? null : Metadata(state, getInputsAndOutputs);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create(async (string? continuation, int? pageSize, CancellationToken cancellation) =>
        {
            var condition = new OrchestrationInstanceStatusQueryCondition
            {
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                RuntimeStatus = filter?.Statuses?.Select(s => Enum.Parse<CoreStatus>(s.ToString())).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime ?? default,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime ?? default,
                FetchInput = filter?.FetchInputsAndOutputs ?? false,
                FetchOutput = filter?.FetchInputsAndOutputs ?? false,
            };
            var page = await hub.Service.GetOrchestrationStateAsync(condition, pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                continuation ?? filter?.ContinuationToken, cancellation);
            return new Page<OrchestrationMetadata>(
                page.OrchestrationState.Select(s => Metadata(s, filter?.FetchInputsAndOutputs ?? false)).ToList(),
                string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        });

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, i => i.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, i => i.IsCompleted, cancellation);

    /// <summary>The instance once <paramref name="reached"/> holds, read every 100 ms (the task hub has no change feed).</summary>
    private async Task<OrchestrationMetadata> PollAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> reached,
        CancellationToken cancellation)
    {
        while (true)
        {
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation) is { } instance && reached(instance))
            {
                return instance;
            }

            await Task.Delay(100, cancellation);
        }
    }

    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null,
        CancellationToken cancellation = default)
    {
        var result = await hub.Service.PurgeInstanceHistoryAsync(instanceId);
        return new PurgeResult(result.InstancesDeleted);
    }

    public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null,
        CancellationToken cancellation = default) =>
        throw new NotSupportedException("purging by filter is not used by this host");

    /// <summary>
    /// The events of the instance's current execution, typed as the Functions client returns them: the task hub
    /// stores them as JSON without type names, so each is read as the class its event type names.
    /// </summary>
    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        var json = await new TaskHubHistoryJson(hub).ReadAsync(instanceId, cancellation)
            ?? throw new ArgumentException($"no instance '{instanceId}'", nameof(instanceId));
        // DTFx's own (Newtonsoft) serializer wrote these events, so it reads each back as the class its type names;
        // the type is told as everywhere else the history is read (InstanceHistoryShape).
        var types = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsArray().Select(e => InstanceHistoryShape.EventTypeOf(e!.AsObject()));
        return JArray.Parse(json).Cast<JObject>().Zip(types, (e, type) =>
        {
            var clr = typeof(HistoryEvent).Assembly.GetType($"{typeof(HistoryEvent).Namespace}.{type}Event") ?? typeof(GenericEvent);
            return (HistoryEvent)e.ToObject(clr)!;
        }).ToList();
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>DTFx's state as the programming model's metadata (public for the test that holds both hosts' status alike).</summary>
    public static OrchestrationMetadata Metadata(OrchestrationState state, bool withInputsAndOutputs)
    {
        var status = state.OrchestrationStatus;
        var failure = state.FailureDetails is { } f ? new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, null, null) : null;
        if (failure is null && status == CoreStatus.Failed && state.Output is { Length: > 0 } output)
        {
            // The Azure Storage tracking store keeps a failure as "Type: message" text in the output.
            var colon = output.IndexOf(": ", StringComparison.Ordinal);
            failure = colon > 0 && !output[..colon].Contains(' ')
                ? new TaskFailureDetails(output[..colon], output[(colon + 2)..], null, null, null)
                : new TaskFailureDetails("", output, null, null, null);
        }

        return new OrchestrationMetadata(state.Name, state.OrchestrationInstance.InstanceId)
        {
            RuntimeStatus = Enum.Parse<OrchestrationRuntimeStatus>(status.ToString()),
            CreatedAt = new DateTimeOffset(state.CreatedTime.ToUniversalTime()),
            LastUpdatedAt = new DateTimeOffset(state.LastUpdatedTime.ToUniversalTime()),
            SerializedInput = withInputsAndOutputs ? state.Input : null,
            SerializedOutput = withInputsAndOutputs ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = failure,
            DataConverter = LocalTaskHub.DataConverter,
        };
    }
}
