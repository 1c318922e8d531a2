using System.Text.Json.Nodes;
using DurableTask.Core.History;

namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>
/// An instance's history as Durable Functions' HTTP API shows it (<c>historyEvents</c>), from the engine's own
/// history JSON: the local task hub stores it so, and the Functions client's typed events serialize to it.
/// </summary>
public static class InstanceHistoryShape
{
    /// <summary>
    /// Turns DTFx's history (JSON array of HistoryEvent) into DF's view: one entry per step, with the
    /// step's name, when it was scheduled and when it finished. Replay bookkeeping events are left out.
    /// </summary>
    public static JsonArray History(string dtfxHistory)
    {
        var events = JsonNode.Parse(dtfxHistory)?.AsArray() ?? [];
        var scheduled = new Dictionary<int, JsonNode>();
        var timers = new Dictionary<int, JsonNode>();
        var result = new JsonArray();
        foreach (var e in events.OfType<JsonObject>())
        {
            var type = EventTypeOf(e);
            var timestamp = e["Timestamp"]?.GetValue<DateTime>().ToUniversalTime().ToString("O");
            switch (type)
            {
                case EventType.TaskScheduled or EventType.SubOrchestrationInstanceCreated:
                    scheduled[e["EventId"]!.GetValue<int>()] = e;
                    break;
                case EventType.TimerCreated:
                    timers[e["EventId"]!.GetValue<int>()] = e;
                    break;
                case EventType.OrchestratorStarted or EventType.OrchestratorCompleted or EventType.GenericEvent:
                    break;
                default:
                    var entry = new JsonObject { ["eventType"] = type.ToString(), ["timestamp"] = timestamp };
                    var scheduledId = e["TaskScheduledId"]?.GetValue<int>();
                    if (scheduledId is { } id && scheduled.TryGetValue(id, out var origin))
                    {
                        entry["name"] = origin["Name"]?.GetValue<string>();
                        entry["scheduledTime"] = origin["Timestamp"]?.GetValue<DateTime>().ToUniversalTime().ToString("O");
                        CopyIfPresent((JsonObject)origin, entry, "Input", "input"); // what the step was given, beside what it returned
                    }
                    else if (e["Name"] is { } name)
                    {
                        entry["name"] = name.GetValue<string>();
                    }

                    if (type == EventType.TimerFired && e["TimerId"]?.GetValue<int>() is { } timerId && timers.TryGetValue(timerId, out var timer))
                    {
                        entry["fireAt"] = timer["FireAt"]?.GetValue<DateTime>().ToUniversalTime().ToString("O");
                    }

                    CopyIfPresent(e, entry, "Result", "result");
                    CopyIfPresent(e, entry, "Input", "input");
                    CopyIfPresent(e, entry, "Reason", "reason");
                    if (e["FailureDetails"] is JsonObject failure)
                    {
                        entry["failureDetails"] = new JsonObject
                        {
                            ["errorType"] = failure["ErrorType"]?.GetValue<string>(),
                            ["errorMessage"] = failure["ErrorMessage"]?.GetValue<string>(),
                        };
                    }

                    result.Add(entry);
                    break;
            }
        }

        return result;
    }

    private static void CopyIfPresent(JsonObject from, JsonObject to, string key, string as_)
    {
        if (from[key] is JsonValue value && value.TryGetValue<string>(out var text))
        {
            to[as_] = InstanceStatusShape.ParseOrString(text);
        }
    }

    /// <summary>DTFx's history JSON has no type names: the event type is a number or a name.</summary>
    public static EventType EventTypeOf(JsonObject e) => e["EventType"] switch
    {
        JsonValue v when v.TryGetValue<int>(out var n) => (EventType)n,
        JsonValue v when Enum.TryParse<EventType>(v.GetValue<string>(), out var t) => t,
        _ => EventType.GenericEvent,
    };
}
