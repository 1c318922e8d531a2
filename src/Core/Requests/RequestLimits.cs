using System.Text.Json;
using System.Text.Json.Nodes;

namespace CausalEval.Dr.Core.Requests;

/// <summary>
/// How big a request may be, on every API (the operator API of both hosts, the node agent): one body at most
/// <see cref="MaxBodyBytes"/>, no string longer than <see cref="MaxStringLength"/>, no list longer than
/// <see cref="MaxItems"/>, no deeper than <see cref="MaxDepth"/>. Numbers are bounded per field by each input's own checks.
/// </summary>
public static class RequestLimits
{
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>Long enough for a path (PATH_MAX) or a reason; a name is bounded tighter by its own rule.</summary>
    public const int MaxStringLength = 4096;

    public const int MaxItems = 10_000;

    public const int MaxDepth = 16;

    /// <summary>Retention in days (100 years), and counts of things kept or done.</summary>
    public const int MaxDays = 36_500;

    public const int MaxCount = 10_000;

    /// <summary>Who decided, who approved: a name.</summary>
    public const int MaxNameLength = 200;

    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>Parses a request body as JSON within the limits; null for an empty body.</summary>
    /// <exception cref="Errors.BadInputException">Not JSON, too deep, or a string or list over its limit (named by its path).</exception>
    public static JsonNode? Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body, documentOptions: DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new Errors.BadInputException($"the body is not JSON (or nests deeper than {MaxDepth}): {e.Message}");
        }

        return Problem(node, "$") is { } problem ? throw new Errors.BadInputException(problem) : node;
    }

    private static string? Problem(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.Select(p => Problem(p.Value, $"{path}.{p.Key}")).FirstOrDefault(p => p is not null)
            ?? (o.Any(p => p.Key.Length > MaxNameLength) ? $"{path}: a field name is longer than {MaxNameLength} characters" : null),
        JsonArray a => a.Count > MaxItems ? $"{path}: {a.Count} items (at most {MaxItems})"
            : a.Select((item, i) => Problem(item, $"{path}[{i}]")).FirstOrDefault(p => p is not null),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > MaxStringLength =>
            $"{path}: {v.GetValue<string>().Length} characters (at most {MaxStringLength})",
        _ => null,
    };
}
