using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CausalEval.Dr.Adapters.Dns;

/// <summary>PowerDNS's HTTP API (zones and rrsets, changetype REPLACE). The API key is a secret: pass it in, never log it.</summary>
public sealed class PowerDnsRecords(HttpClient http, string zone, string apiKey) : IDnsRecords
{
    private string Zone => zone.TrimEnd('.') + ".";

    private string ZonePath => $"/api/v1/servers/localhost/zones/{Zone}";

    /// <summary>Creates the zone with an explicit SOA if it does not exist (idempotent).</summary>
    public async Task EnsureZoneAsync(CancellationToken cancellationToken = default)
    {
        using var existing = await SendAsync(HttpMethod.Get, ZonePath, null, cancellationToken, allowNotFound: true);
        if (existing.StatusCode != System.Net.HttpStatusCode.NotFound)
        {
            return;
        }

        var body = new JsonObject
        {
            ["name"] = Zone,
            ["kind"] = "Native",
            ["nameservers"] = new JsonArray(),
            // The serial then counts the changes made through the API; PowerDNS's default (YYYYMMDDnn) jumps at midnight.
            ["soa_edit_api"] = "INCREASE",
            ["rrsets"] = new JsonArray(new JsonObject
            {
                ["name"] = Zone,
                ["type"] = "SOA",
                ["ttl"] = 60,
                ["records"] = new JsonArray(new JsonObject { ["content"] = $"ns1.{Zone} hostmaster.{Zone} 1 60 60 600 5", ["disabled"] = false }),
            }),
        };
        using var created = await SendAsync(HttpMethod.Post, "/api/v1/servers/localhost/zones", body, cancellationToken);
    }

    public async Task<DnsChangeApplied> SetAddressesAsync(string name, IReadOnlyList<string> addresses, int ttlSeconds,
        CancellationToken cancellationToken = default)
    {
        if (addresses.Count == 0)
        {
            throw new ArgumentException($"{name}: at least one address is needed (an empty record set would take the service off DNS)");
        }

        var records = new JsonArray(addresses.Select(a => (JsonNode)new JsonObject { ["content"] = a, ["disabled"] = false }).ToArray());
        var body = new JsonObject
        {
            ["rrsets"] = new JsonArray(new JsonObject
            {
                ["name"] = Fqdn(name),
                ["type"] = "A",
                ["ttl"] = ttlSeconds,
                ["changetype"] = "REPLACE",
                ["records"] = records,
            }),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await SendAsync(HttpMethod.Patch, ZonePath, body, cancellationToken);
        return new DnsChangeApplied(null, Math.Round(clock.Elapsed.TotalSeconds, 3)); // PowerDNS answers from its database at once
    }

    public async Task<IReadOnlyList<string>> GetAddressesAsync(string name, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, ZonePath, null, cancellationToken);
        var zoneJson = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return zoneJson?["rrsets"]?.AsArray()
            .Where(r => r?["name"]?.GetValue<string>() == Fqdn(name) && r["type"]?.GetValue<string>() == "A")
            .SelectMany(r => r!["records"]!.AsArray().Select(x => x!["content"]!.GetValue<string>()))
            .Order()
            .ToList() ?? [];
    }

    private string Fqdn(string name) => $"{name.TrimEnd('.')}.{Zone}";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken,
        bool allowNotFound = false)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", apiKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode && !(allowNotFound && response.StatusCode == System.Net.HttpStatusCode.NotFound))
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"PowerDNS {method} {path}: {(int)response.StatusCode} {text}");
        }

        return response;
    }
}
