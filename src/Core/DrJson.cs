using System.Text.Json;

namespace CausalEval.Dr.Core;

/// <summary>
/// One JSON shape for inputs, outputs, events, stored records and the HTTP API: camelCase out,
/// case-insensitive in, so a user's <c>{"steps": 3}</c> and a record's <c>Steps</c> meet.
/// </summary>
public static class DrJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// For what a caller sends (a runbook's input, an agent request, a decision): a field the type does not have is
    /// an error naming it, never silently dropped (a typo'd <c>"preaproved"</c> must not start an unapproved run).
    /// </summary>
    public static JsonSerializerOptions Strict { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(), // its fields are listed when one is refused
    };

    /// <summary>The same, indented: for what people read (records in the store, CLI output).</summary>
    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
