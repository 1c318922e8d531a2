using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Local.Runtime;
using DurableTask.Core;
using DurableTask.Core.History;

namespace CausalEval.Dr.Local.Api;

/// <summary>Shapes instance status and history as Durable Functions' HTTP API does, so one script reads both.</summary>
public static class InstanceStatusJson
{
    public static JsonObject From(OrchestrationState state, JsonArray? history = null)
    {
        var (errorType, errorMessage) = (state.FailureDetails?.ErrorType, state.FailureDetails?.ErrorMessage);
        if (state.FailureDetails is null && state.OrchestrationStatus == OrchestrationStatus.Failed && state.Output is { Length: > 0 } output)
        {
            // The Azure Storage tracking store keeps a failure as "Type: message" text in the output.
            var colon = output.IndexOf(": ", StringComparison.Ordinal);
            (errorType, errorMessage) = colon > 0 && !output[..colon].Contains(' ') ? (output[..colon], output[(colon + 2)..]) : (null, output);
        }

        var json = InstanceStatusShape.Json(new InstanceSnapshot(state.Name, state.OrchestrationInstance.InstanceId, state.OrchestrationStatus.ToString(),
            state.Input, state.Status, state.Output, new DateTimeOffset(state.CreatedTime.ToUniversalTime()), new DateTimeOffset(state.LastUpdatedTime.ToUniversalTime()),
            errorType, errorMessage));
        if (history is not null)
        {
            json["historyEvents"] = history;
        }

        return json;
    }

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
            var type = TaskHubInstanceHistory.EventTypeOf(e);
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
            to[as_] = ParseOrString(text);
        }
    }

    private static JsonNode? ParseOrString(string? text) => InstanceStatusShape.ParseOrString(text);
}
