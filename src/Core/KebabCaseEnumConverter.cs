using System.Text.Json;
using System.Text.Json.Serialization;

namespace CausalEval.Dr.Core;

/// <summary>Enums as kebab-case strings in JSON ("not-approved"), for records people and scripts read.</summary>
public sealed class KebabCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    where T : struct, Enum;

public static class KebabCase
{
    /// <summary>The name an enum value has in JSON and on the command line: <c>NotApproved</c> → "not-approved".</summary>
    public static string Of<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
