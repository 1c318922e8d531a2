using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;

namespace CausalEval.Dr.Adapters.Agents;

/// <summary>
/// Calls one node agent over HTTPS with its bearer token (the connection trusts only its certificate: <see cref="AgentCertificates"/>). The agent's refusals
/// keep their kind (a fenced node
/// refused a promotion: not retried); an agent that does not answer is a hiccup another attempt may fix.
/// </summary>
public sealed class NodeAgentClient(HttpClient http, string node, Uri baseUrl, string token)
{
    public string Node => node;

    public Task<NodeStatus> StatusAsync(CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Get, "/status", null, cancellationToken);

    /// <summary>The status, or null when the agent does not answer within <paramref name="patience"/> (or refuses): for probes that must not hang.</summary>
    public async Task<NodeStatus?> StatusWithinAsync(TimeSpan patience)
    {
        using var limit = new CancellationTokenSource(patience);
        try
        {
            return await StatusAsync(limit.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or DrException)
        {
            return null;
        }
    }

    public Task<NodeStatus> FenceAsync(FenceRequest request, CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Post, "/fence", request, cancellationToken);

    public Task<NodeStatus> UnfenceAsync(CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Post, "/unfence", null, cancellationToken);

    public Task<NodeStatus> StartAsync(CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Post, "/start", null, cancellationToken);

    /// <param name="mode">"fast" or "immediate" (as a crash: no shutdown checkpoint).</param>
    public Task<NodeStatus> StopAsync(string mode = "fast", CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Post, $"/stop?mode={Uri.EscapeDataString(mode)}", null, cancellationToken);

    public Task<NodeStatus> PromoteAsync(CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Post, "/promote", null, cancellationToken);

    public Task<NodeStatus> DemoteAsync(DemoteRequest request, CancellationToken cancellationToken = default)
        => SendAsync<NodeStatus>(HttpMethod.Post, "/demote", request, cancellationToken);

    /// <summary>Switchover: the primary stops cleanly, fenced; its demotion token is the answer.</summary>
    public Task<DemotionToken> StandDownAsync(FenceRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<DemotionToken>(HttpMethod.Post, "/stand-down", request, cancellationToken);

    public Task<AgentJob> StartJobAsync(string id, AgentJobRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<AgentJob>(HttpMethod.Put, $"/jobs/{Uri.EscapeDataString(id)}", request, cancellationToken);

    /// <summary>Checks a job as a start would (its directory, port, backup) and starts nothing: a refusal names what is wrong.</summary>
    public Task<AgentJobCheck> CheckJobAsync(string id, AgentJobRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<AgentJobCheck>(HttpMethod.Post, $"/jobs/{Uri.EscapeDataString(id)}/check", request, cancellationToken);

    /// <param name="waitUpTo">Let the agent answer when a running job ends, or after this long (a long poll).</param>
    public Task<AgentJob> JobAsync(string id, TimeSpan waitUpTo = default, CancellationToken cancellationToken = default) =>
        SendAsync<AgentJob>(HttpMethod.Get,
            $"/jobs/{Uri.EscapeDataString(id)}{(waitUpTo > TimeSpan.Zero ? $"?waitSeconds={(int)waitUpTo.TotalSeconds}" : "")}", null, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, DrJson.Options), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            // Not a hiccup: whoever answers there is not the agent the topology trusts (or it has no certificate we trust).
            throw new DrConfigurationException($"the agent of {node} ({baseUrl}) presented a certificate the DR topology does not trust for it (pin or CA " +
                $"bundle): {e.Message}", e);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the agent of {node} ({baseUrl}) does not answer: {e.Message}", e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return JsonSerializer.Deserialize<T>(text, DrJson.Options)
                    ?? throw new InvalidDataException($"the agent of {node} answered {path} with nothing");
            }

            var error = $"agent of {node}: {method} {path}: {(int)response.StatusCode} {ErrorOf(text)}";
            throw response.StatusCode switch
            {
                HttpStatusCode.BadRequest or HttpStatusCode.NotFound => new BadInputException(error),
                HttpStatusCode.Unauthorized => new DrConfigurationException($"{error} (the token in Secrets does not match the agent's)"),
                HttpStatusCode.Conflict => new SafetyCheckRefusedException(error),
                HttpStatusCode.UnprocessableEntity => new CorruptDataException(error),
                _ => new InvalidOperationException(error),
            };
        }
    }

    private static string ErrorOf(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["error"]?.GetValue<string>() ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
