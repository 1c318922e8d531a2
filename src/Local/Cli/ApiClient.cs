using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CausalEval.Dr.Local.Api;

namespace CausalEval.Dr.Local.Cli;

/// <summary>The CLI speaks only HTTP to a host, whether `dr serve` runs elsewhere or the command embeds one.</summary>
public sealed class ApiClient(string baseUrl, string token) : IDisposable
{
    private readonly HttpClient http = new()
    {
        BaseAddress = new Uri(baseUrl),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
        Timeout = TimeSpan.FromSeconds(100),
    };

    public sealed record Reply(HttpStatusCode Status, JsonNode? Body)
    {
        public string Error => Body?["error"]?.GetValue<string>() ?? $"HTTP {(int)Status}";
    }

    public Task<Reply> StartAsync(string name, string? inputJson, string? instanceId) =>
        SendAsync(HttpMethod.Post, $"/api/orchestrators/{Uri.EscapeDataString(name)}"
            + (instanceId is null ? "" : $"?instanceId={Uri.EscapeDataString(instanceId)}"), inputJson);

    public Task<Reply> StatusAsync(string id, bool history) =>
        SendAsync(HttpMethod.Get, $"{LocalHttpApi.InstancesPath}/{Uri.EscapeDataString(id)}" + (history ? "?showHistory=true" : ""), null);

    public Task<Reply> RaiseAsync(string id, string eventName, string? dataJson) =>
        SendAsync(HttpMethod.Post, $"{LocalHttpApi.InstancesPath}/{Uri.EscapeDataString(id)}/raiseEvent/{Uri.EscapeDataString(eventName)}", dataJson);

    /// <summary>`approve` or `reject` with the decision's JSON (who, why).</summary>
    public Task<Reply> DecideAsync(string id, bool approve, string decisionJson) =>
        SendAsync(HttpMethod.Post, $"{LocalHttpApi.InstancesPath}/{Uri.EscapeDataString(id)}/{(approve ? "approve" : "reject")}", decisionJson);

    public Task<Reply> ListAsync(string instanceIdPrefix) =>
        SendAsync(HttpMethod.Get, $"{LocalHttpApi.InstancesPath}?instanceIdPrefix={Uri.EscapeDataString(instanceIdPrefix)}", null);

    private async Task<Reply> SendAsync(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text));
    }

    public void Dispose() => http.Dispose();
}
