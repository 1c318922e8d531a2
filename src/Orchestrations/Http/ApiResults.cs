using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>How the operator API answers: JSON in the hosts' one shape (camelCase), errors as <c>{"error": "..."}</c>.</summary>
public static class ApiResults
{
    /// <summary>The hosts' JSON, with quotes and non-ASCII text as they are: a JSON API, never embedded in HTML.</summary>
    public static JsonSerializerOptions Options { get; } = new(DrJson.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Json(JsonNode body, int status) => Results.Json(body, Options, statusCode: status);

    public static IResult Json<T>(T body, int status) => Results.Json(body, Options, statusCode: status);

    public static IResult Error(int status, string message) => Results.Json(new JsonObject { ["error"] = message }, Options, statusCode: status);
}
