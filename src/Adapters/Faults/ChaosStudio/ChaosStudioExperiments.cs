using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using CausalEval.Dr.Core.Errors;
using Polly;
using Polly.Retry;

namespace CausalEval.Dr.Adapters.Faults.ChaosStudio;

/// <param name="Id">The execution's name (a GUID).</param>
/// <param name="Status">As Chaos Studio spells it (a free string: "PreProcessingQueued", "Running", "success", "failed", "Cancelled" …).</param>
public sealed record ExperimentExecution(string Id, string Status, DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt)
{
    private static readonly string[] FinalStatuses = ["success", "succeeded", "failed", "cancelled", "canceled"];

    /// <summary>Ended one way or another; anything else (including a status we do not know) is still in progress.</summary>
    public bool Finished => FinalStatuses.Contains(Status, StringComparer.OrdinalIgnoreCase);

    public bool Running => string.Equals(Status, "running", StringComparison.OrdinalIgnoreCase);

    public bool Failed => string.Equals(Status, "failed", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Azure Chaos Studio experiments through the ARM REST API (no Chaos SDK is served here): start, cancel, and the
/// experiment's executions. Start and cancel are long-running on ARM's side (202 + Location); what matters to a drill
/// is the execution they create or end, so callers poll <see cref="ExecutionsAsync"/>. 429 and 5xx answers are retried
/// after the server's Retry-After (else with backoff); any other refusal fails with ARM's own code and message.
/// </summary>
public sealed partial class ChaosStudioExperiments(HttpClient http, string apiVersion = ChaosStudioExperiments.DefaultApiVersion, int maxRetries = 6)
{
    public const string DefaultEndpoint = "https://management.azure.com";
    public const string DefaultApiVersion = "2025-01-01";
    private const string Scope = "https://management.azure.com/.default";

    private readonly ResiliencePipeline retries = RetriesOf(maxRetries);

    /// <summary>A client for <paramref name="endpoint"/> that sends ARM a bearer token from <paramref name="credential"/> (scope: ARM's default).</summary>
    public static HttpClient CreateClient(string endpoint, TokenCredential credential) =>
        new(new BearerTokenHandler(credential) { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = new Uri(string.IsNullOrWhiteSpace(endpoint) ? DefaultEndpoint : endpoint),
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>
    /// An experiment's resource id, checked: /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Chaos/experiments/{name}.
    /// Anything else is a configuration error naming <paramref name="setting"/>, before any request.
    /// </summary>
    public static string Checked(string? experimentId, string setting) =>
        experimentId is not null && ExperimentIdPattern().IsMatch(experimentId)
            ? experimentId
            : throw new DrConfigurationException($"{setting}: '{experimentId}' is not a Chaos Studio experiment id " +
                "(/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Chaos/experiments/{name})");

    /// <summary>Starts a run of the experiment (ARM answers before it runs: its execution appears in <see cref="ExecutionsAsync"/>).</summary>
    public Task StartAsync(string experimentId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{experimentId}/start", cancellationToken);

    /// <summary>Asks the running execution to stop (its status passes through cancelling to cancelled).</summary>
    public Task CancelAsync(string experimentId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"{experimentId}/cancel", cancellationToken);

    /// <summary>Every execution of the experiment, newest first (all pages).</summary>
    public async Task<IReadOnlyList<ExperimentExecution>> ExecutionsAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        var executions = new List<ExperimentExecution>();
        string? next = $"{experimentId}/executions";
        while (next is not null)
        {
            using var page = await SendAsync(HttpMethod.Get, next, cancellationToken);
            executions.AddRange(page.RootElement.TryGetProperty("value", out var value) ? value.EnumerateArray().Select(ExecutionOf) : []);
            next = page.RootElement.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null;
        }

        return executions.OrderByDescending(e => e.StartedAt ?? DateTimeOffset.MinValue).ToList();
    }

    /// <summary>One execution of the experiment, by its id.</summary>
    public async Task<ExperimentExecution> ExecutionAsync(string experimentId, string executionId, CancellationToken cancellationToken = default)
    {
        using var execution = await SendAsync(HttpMethod.Get, $"{experimentId}/executions/{Uri.EscapeDataString(executionId)}", cancellationToken);
        return ExecutionOf(execution.RootElement);
    }

    private static ExperimentExecution ExecutionOf(JsonElement item)
    {
        var properties = item.TryGetProperty("properties", out var p) ? p : default;
        DateTimeOffset? Time(string name) =>
            properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetDateTimeOffset() : null;
        return new ExperimentExecution(
            item.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
            properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("status", out var status) ? status.GetString() ?? "" : "",
            Time("startedAt"), Time("stoppedAt"));
    }

    /// <param name="pathOrLink">An ARM path (api-version added here) or a nextLink as ARM gave it (absolute, with its api-version).</param>
    private async Task<JsonDocument> SendAsync(HttpMethod method, string pathOrLink, CancellationToken cancellationToken) =>
        await retries.ExecuteAsync(async ct =>
        {
            var uri = Uri.TryCreate(pathOrLink, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal)
                ? absolute
                : new Uri($"{pathOrLink}?api-version={Uri.EscapeDataString(apiVersion)}", UriKind.Relative);
            using var request = new HttpRequestMessage(method, uri);
            if (method == HttpMethod.Post)
            {
                request.Content = new ByteArrayContent([]); // ARM's actions take no body, and a POST without one needs Content-Length: 0
            }

            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
            }

            var (code, message) = ErrorOf(text);
            var said = $"Chaos Studio {method} {pathOrLink}: {(int)response.StatusCode} {code}: {message}";
            if (response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)
            {
                throw new TransientArmException(said, RetryAfterOf(response.Headers.RetryAfter));
            }

            throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound
                ? new DrConfigurationException(said)
                : new InvalidOperationException(said);
        }, cancellationToken);

    private static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    /// <summary>429 and 5xx are retried after the server's Retry-After, else with backoff; a refusal is not retried.</summary>
    private static ResiliencePipeline RetriesOf(int maxRetries) =>
        new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TransientArmException>().Handle<HttpRequestException>(),
            MaxRetryAttempts = maxRetries,
            Delay = TimeSpan.FromSeconds(1),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            MaxDelay = TimeSpan.FromSeconds(30),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is TransientArmException { RetryAfter: { } after } && after > TimeSpan.Zero
                ? (TimeSpan?)after
                : null),
        }).Build();

    /// <summary>ARM's {"error":{"code","message"}}, or the raw text (a gateway may answer HTML or nothing).</summary>
    private static (string Code, string Message) ErrorOf(string text)
    {
        try
        {
            using var body = JsonDocument.Parse(text);
            var error = body.RootElement.GetProperty("error");
            return (error.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "",
                error.TryGetProperty("message", out var message) ? message.GetString() ?? "" : text);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return ("", text);
        }
    }

    [GeneratedRegex("^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w._()]{1,90}/providers/Microsoft\\.Chaos/experiments/[-\\w._]{1,260}$")]
    private static partial Regex ExperimentIdPattern();

    private sealed class TransientArmException(string message, TimeSpan? retryAfter) : Exception(message)
    {
        public TimeSpan? RetryAfter { get; } = retryAfter;
    }

    /// <summary>Adds "Authorization: Bearer …" from the credential, fetching a new token only when the last one is near its end.</summary>
    private sealed class BearerTokenHandler(TokenCredential credential) : DelegatingHandler
    {
        private AccessToken token;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (token.ExpiresOn < DateTimeOffset.UtcNow.AddMinutes(5))
            {
                token = await credential.GetTokenAsync(new TokenRequestContext([Scope]), cancellationToken);
            }

            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
