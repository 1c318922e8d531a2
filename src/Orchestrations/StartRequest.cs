using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations;

/// <summary>A request to start a runbook, checked: the runbook exists, its input parses and is valid, its version is chosen.</summary>
public sealed record StartRequest(RunbookDefinition Runbook, object? Input, string Version)
{
    public string Name => Runbook.Name;

    /// <summary>The outcome of <see cref="Check"/>: a request to schedule, or the HTTP status and error to answer with.</summary>
    public sealed record Checked(StartRequest? Request, int Status, string? Error);

    /// <summary>
    /// Checks a start request before anything is scheduled, the same way on both hosts: an unknown name is
    /// 404, input that does not fit the runbook's input type (or that its checks refuse) is 400. An empty body
    /// is an empty object, so a missing required field is named as such.
    /// </summary>
    public static Checked Check(string name, string? inputJson, IConfiguration? configuration)
    {
        if (RunbookRegistry.Find(name) is not { } runbook)
        {
            return new(null, 404, $"no orchestration named '{name}' (known: {string.Join(", ", RunbookRegistry.All.Select(r => r.Name))})");
        }

        try
        {
            var input = JsonSerializer.Deserialize(string.IsNullOrWhiteSpace(inputJson) ? "{}" : inputJson, runbook.InputType, DrJson.Options);
            if (input is IValidatedInput validated && validated.Validate() is { } error)
            {
                return new(null, 400, error);
            }

            return new(new StartRequest(runbook, input, RunbookRegistry.StartVersion(runbook, configuration)), 202, null);
        }
        catch (JsonException e)
        {
            return new(null, 400, $"input is not a valid {runbook.InputType.Name}: {e.Message}");
        }
        catch (DrException e)
        {
            return new(null, ErrorKinds.HttpStatus(e.Kind), e.Message);
        }
    }
}
