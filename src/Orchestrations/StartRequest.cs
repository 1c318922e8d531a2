using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Requests;
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
    /// 404; a body over the limits (<see cref="RequestLimits"/>), a field the input does not have, a field its
    /// starter owns (<see cref="StarterOwnedAttribute"/>: the trigger, the monitor's detection time), or input
    /// its checks refuse is 400 naming the field. An empty body is an empty object, so a missing required field is
    /// named as such.
    /// </summary>
    /// <param name="approver">The authenticated caller where the host knows one (App Service authentication): a
    /// pre-approval is theirs, and naming someone else as the approver is refused.</param>
    public static Checked Check(string name, string? inputJson, IConfiguration? configuration, string? approver = null)
    {
        if (RunbookRegistry.Find(name) is not { } runbook)
        {
            return new(null, 404, $"no orchestration named '{name}' (known: {string.Join(", ", RunbookRegistry.All.Select(r => r.Name))})");
        }

        try
        {
            var body = RequestLimits.Parse(inputJson) ?? new JsonObject();
            if (body is not JsonObject fields)
            {
                return new(null, 400, $"input must be a JSON object of {runbook.InputType.Name}'s fields");
            }

            if (FieldProblem(runbook.InputType, fields) is { } problem)
            {
                return new(null, 400, problem);
            }

            if (approver is not null && ApproverProblem(fields, approver) is { } notTheirs)
            {
                return new(null, 403, notTheirs);
            }

            var input = fields.Deserialize(runbook.InputType, DrJson.Strict);
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

    /// <summary>The fields a caller may not set on <paramref name="inputType"/> (by JSON name), with who sets them.</summary>
    public static IReadOnlyDictionary<string, string> StarterOwnedFields(Type inputType)
    {
        var owned = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var type = Nullable.GetUnderlyingType(inputType) ?? inputType;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<StarterOwnedAttribute>() is { } attribute)
            {
                owned[DrJson.Options.PropertyNamingPolicy!.ConvertName(property.Name)] = attribute.SetBy;
            }
        }

        if (typeof(ITriggeredInput).IsAssignableFrom(type))
        {
            owned["trigger"] = typeof(ITriggeredInput).GetProperty(nameof(ITriggeredInput.Trigger))!.GetCustomAttribute<StarterOwnedAttribute>()!.SetBy;
        }

        return owned;
    }

    /// <summary>A field the input type does not have, or one its starter owns set to a value (null is as good as absent).</summary>
    private static string? FieldProblem(Type inputType, JsonObject fields)
    {
        var known = DrJson.Strict.GetTypeInfo(Nullable.GetUnderlyingType(inputType) ?? inputType).Properties.Select(p => p.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var owned = StarterOwnedFields(inputType);
        foreach (var (field, value) in fields)
        {
            if (!known.Contains(field))
            {
                return $"{field}: not a field of {inputType.Name} (fields: {string.Join(", ", known.Where(k => !owned.ContainsKey(k)).Order())})";
            }

            if (value is not null && owned.TryGetValue(field, out var setBy))
            {
                return $"{field}: set by {setBy}, never by a caller";
            }
        }

        return null;
    }

    /// <summary>With an authenticated caller, a pre-approval is the caller's: named as theirs, or filled in with them.</summary>
    private static string? ApproverProblem(JsonObject fields, string approver)
    {
        var named = fields.FirstOrDefault(f => string.Equals(f.Key, "approvedBy", StringComparison.OrdinalIgnoreCase));
        if (named.Value?.GetValueKind() == JsonValueKind.String && named.Value.GetValue<string>() is { Length: > 0 } by
            && !string.Equals(by, approver, StringComparison.OrdinalIgnoreCase))
        {
            return $"approvedBy: '{by}' is not who signed in ('{approver}'): an approval is recorded as the authenticated caller's";
        }

        if (fields.Any(f => string.Equals(f.Key, "preApproved", StringComparison.OrdinalIgnoreCase) && f.Value?.GetValueKind() == JsonValueKind.True))
        {
            fields.Remove(named.Key ?? "approvedBy");
            fields["approvedBy"] = approver;
        }

        return null;
    }
}
