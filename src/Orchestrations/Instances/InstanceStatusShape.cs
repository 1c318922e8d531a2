using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Errors;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>An instance's state as either host's client reports it, before it is shaped for HTTP.</summary>
/// <param name="RuntimeStatus">Durable Task's name: Pending, Running, Completed, Failed, Terminated, ContinuedAsNew, Suspended, Canceled.</param>
/// <param name="Input">Inputs and outputs as the stored JSON text.</param>
public sealed record InstanceSnapshot(
    string Name, string InstanceId, string RuntimeStatus, string? Input, string? CustomStatus, string? Output,
    DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, string? ErrorType, string? ErrorMessage)
{
    /// <summary>As the Functions app's durable client reports it.</summary>
    public static InstanceSnapshot From(OrchestrationMetadata instance) =>
        new(instance.Name, instance.InstanceId, instance.RuntimeStatus.ToString(), instance.SerializedInput, instance.SerializedCustomStatus,
            instance.SerializedOutput, instance.CreatedAt, instance.LastUpdatedAt, instance.FailureDetails?.ErrorType is { Length: > 0 } type ? type : null,
                instance.FailureDetails?.ErrorMessage);
}

/// <summary>
/// The one status shape both hosts answer with (the local API and the Functions app), as Durable Functions'
/// HTTP API does, so one script, the CLI and the dashboard read either: the same JSON and the same code
/// for the same instance state.
/// </summary>
public static class InstanceStatusShape
{
    /// <summary>Durable Functions' codes: 202 while in progress, 200 completed, 400 failed, terminated or canceled.</summary>
    public static int HttpStatus(string runtimeStatus) => runtimeStatus switch
    {
        "Completed" => 200,
        "Failed" or "Terminated" or "Canceled" => 400,
        _ => 202,
    };

    public static JsonObject Json(InstanceSnapshot instance)
    {
        var json = new JsonObject
        {
            ["name"] = instance.Name,
            ["instanceId"] = instance.InstanceId,
            ["runtimeStatus"] = instance.RuntimeStatus,
            ["input"] = ParseOrString(instance.Input),
            ["customStatus"] = ParseOrString(instance.CustomStatus),
            ["output"] = ParseOrString(instance.Output),
            ["createdTime"] = instance.CreatedAt.ToUniversalTime().ToString("O"),
            ["lastUpdatedTime"] = instance.LastUpdatedAt.ToUniversalTime().ToString("O"),
        };
        if (instance.ErrorType is not null || instance.ErrorMessage is not null)
        {
            json["failureDetails"] = new JsonObject
            {
                ["errorType"] = instance.ErrorType,
                ["errorMessage"] = instance.ErrorMessage,
                ["errorKind"] = ErrorKinds.Name(ErrorKinds.Of(instance.ErrorType)), // decides the CLI's exit code
            };
        }

        return json;
    }

    /// <summary>Inputs and outputs are stored as JSON text: show them as JSON, or as the text if they are not.</summary>
    public static JsonNode? ParseOrString(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
