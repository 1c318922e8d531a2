using System.Text.Json;

namespace CausalEval.Dr.Core;

/// <summary>
/// One JSON shape for inputs, outputs, events, stored records and the HTTP API: camelCase out,
/// case-insensitive in, so a user's <c>{"steps": 3}</c> and a record's <c>Steps</c> meet.
/// </summary>
public static class DrJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>The same, indented: for what people read (records in the store, CLI output).</summary>
    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
