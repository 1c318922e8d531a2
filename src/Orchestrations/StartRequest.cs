using System.Text.Json;
using CausalEval.Dr.Core;

namespace CausalEval.Dr.Orchestrations;

/// <summary>
/// Checks a request to start an orchestration before anything is scheduled, the same way on both hosts:
/// an unknown name is "not found", input that does not fit the orchestration's input type is "bad request".
/// </summary>
public sealed record StartRequest(string Name, object? Input)
{
    public enum Problem { None, UnknownOrchestration, InvalidInput }

    public static (StartRequest? Request, Problem Problem, string? Error) Check(string name, string? inputJson)
    {
        var type = DrTasks.FindOrchestrator(name);
        if (type is null)
        {
            return (null, Problem.UnknownOrchestration,
                $"no orchestration named '{name}' (known: {string.Join(", ", DrTasks.Orchestrators.Select(DrTasks.NameOf))})");
        }

        var inputType = DrTasks.InputTypeOf(type);
        try
        {
            var input = string.IsNullOrWhiteSpace(inputJson) ? null : JsonSerializer.Deserialize(inputJson, inputType, DrJson.Options);
            if (input is IValidatedInput validated && validated.Validate() is { } error)
            {
                return (null, Problem.InvalidInput, error);
            }

            return (new StartRequest(name, input), Problem.None, null);
        }
        catch (JsonException e)
        {
            return (null, Problem.InvalidInput, $"input is not a valid {inputType.Name}: {e.Message}");
        }
    }
}

/// <summary>An orchestration input that can say what is wrong with it before anything is scheduled.</summary>
public interface IValidatedInput
{
    /// <summary>Null when the input is usable, else one line naming the problem.</summary>
    string? Validate();
}
