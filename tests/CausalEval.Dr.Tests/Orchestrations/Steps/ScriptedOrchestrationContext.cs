using System.Text.Json;
using CausalEval.Dr.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Orchestrations.Steps;

/// <summary>
/// An orchestration context with no runtime behind it, for testing runbook logic in memory (as
/// durabletask-dotnet's samples/AzureFunctionsUnitTests do with a mock): activities answer from scripted
/// handlers, timers fire at once (advancing the clock to their due time), events are delivered if scripted.
/// Every call is written to <see cref="Calls"/> in order.
/// </summary>
public sealed class ScriptedOrchestrationContext(string version = "") : TaskOrchestrationContext
{
    private readonly Dictionary<string, Func<object?, int, object?>> activities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> attempts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<object?>> events = new(StringComparer.Ordinal);
    private DateTime now = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>"activity NAME", "timer 2s", "event NAME": what the orchestration did, in order.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>Every custom status the orchestration set, in order.</summary>
    public List<object?> Statuses { get; } = [];

    /// <summary>The inputs each activity was called with, in order.</summary>
    public List<(string Activity, object? Input)> Inputs { get; } = [];

    public object? ContinuedWith { get; private set; }

    /// <summary>Activities that never answer (a hung host): a step with a timeout gives up on them.</summary>
    public HashSet<string> Hanging { get; } = [];

    /// <summary>How long each activity call takes on the clock.</summary>
    public TimeSpan ActivityDuration { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Scripts an activity: (input, attempt 1..n) → result, or throw to fail that attempt.</summary>
    public ScriptedOrchestrationContext On(string activity, Func<object?, int, object?> handler)
    {
        activities[activity] = handler;
        return this;
    }

    /// <summary>An event that is waiting for the orchestration (raised before or while it waits).</summary>
    public ScriptedOrchestrationContext Raise(string name, object? data)
    {
        if (!events.TryGetValue(name, out var queue))
        {
            events[name] = queue = new Queue<object?>();
        }

        queue.Enqueue(data);
        return this;
    }

    public int AttemptsOf(string activity) => attempts.GetValueOrDefault(activity);

    public override TaskName Name => new("Scripted");

    public override string InstanceId => "scripted-instance";

    public override ParentOrchestrationInstance? Parent => null;

    public override DateTime CurrentUtcDateTime => now;

    public override bool IsReplaying => false;

    public override string Version => version;

    protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var activity = name.Name;
        Calls.Add($"activity {activity}");
        Inputs.Add((activity, input));
        var attempt = attempts[activity] = attempts.GetValueOrDefault(activity) + 1;
        if (Hanging.Contains(activity))
        {
            return new TaskCompletionSource<TResult>().Task;
        }

        now += ActivityDuration;
        try
        {
            var result = activities.TryGetValue(activity, out var handler) ? handler(input, attempt) : default;
            // Results cross the activity boundary as JSON, as on the real runtime.
            return Task.FromResult(JsonSerializer.Deserialize<TResult>(JsonSerializer.Serialize(result, DrJson.Options), DrJson.Options)!);
        }
        catch (Exception e)
        {
            return Task.FromException<TResult>(new TaskFailedException(activity, attempt, TaskFailureDetails.FromException(e)));
        }
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        Calls.Add($"timer {(fireAt - now).TotalSeconds:0.#}s");
        now = fireAt > now ? fireAt : now;
        return Task.CompletedTask;
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        Calls.Add($"event {eventName}");
        if (events.TryGetValue(eventName, out var queue) && queue.TryDequeue(out var data))
        {
            return Task.FromResult(JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(data, DrJson.Options), DrJson.Options)!);
        }

        var pending = new TaskCompletionSource<T>();
        cancellationToken.Register(() => pending.TrySetCanceled());
        return pending.Task;
    }

    public override void SetCustomStatus(object? customStatus) => Statuses.Add(customStatus);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => ContinuedWith = newInput;

    public override void SendEvent(string instanceId, string eventName, object payload) => throw new NotSupportedException();

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        throw new NotSupportedException();

    public override Guid NewGuid() => Guid.Empty;

    public override T? GetInput<T>() where T : default => default;

    public override TaskOrchestrationEntityFeature Entities => throw new NotSupportedException();
}
