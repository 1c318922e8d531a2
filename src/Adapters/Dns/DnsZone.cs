using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Adapters.Dns;

/// <summary>The service's zone as the topology declares it: its records (through the provider's API) and its authoritative server.</summary>
public sealed class DnsZone : IDisposable
{
    private readonly HttpClient http;

    public DnsZone(TopologyOptions topology, IConfiguration configuration)
    {
        var dns = topology.Dns ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Dns: no DNS zone is configured, so no record can be switched");
        Zone = dns.Zone.TrimEnd('.');
        TtlSeconds = dns.TtlSeconds;
        string Secret() => configuration[$"Secrets:{dns.ApiKeySecret}"]
            ?? throw new DrConfigurationException($"Secrets:{dns.ApiKeySecret}: the {dns.Provider} credentials are not set");
        (http, Records) = dns.Provider.ToLowerInvariant() switch
        {
            "powerdns" => PowerDns(dns.ApiUrl, Secret()),
            "route53" => Route53(dns.ApiUrl, Secret(), dns.HostedZoneId),
            var other => throw new DrConfigurationException($"{TopologyOptions.Section}:Dns:Provider: '{other}' is not a DNS provider (powerdns, route53)"),
        };
        // Route 53's INSYNC already covers its authoritative servers; a nameserver, when given, is asked besides.
        Answers = string.IsNullOrWhiteSpace(dns.Nameserver) ? null : new AuthoritativeAnswer(dns.Nameserver);

        (HttpClient, IDnsRecords) PowerDns(string apiUrl, string apiKey)
        {
            var client = new HttpClient { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(10) };
            return (client, new PowerDnsRecords(client, Zone, apiKey));
        }

        (HttpClient, IDnsRecords) Route53(string endpoint, string credentials, string hostedZoneId)
        {
            var client = Route53Records.CreateClient(endpoint, credentials);
            return (client, new Route53Records(client, Zone, hostedZoneId));
        }
    }

    public string Zone { get; }

    public int TtlSeconds { get; }

    public IDnsRecords Records { get; }

    /// <summary>The zone's authoritative server to check answers against; null when none is declared.</summary>
    public AuthoritativeAnswer? Answers { get; }

    public string Fqdn(string record) => $"{record}.{Zone}";

    /// <summary>What <paramref name="record"/> answers now: the authoritative server's answer, or the provider's record when no server is declared.</summary>
    public async Task<IReadOnlyList<string>> AnswerAsync(string record, CancellationToken cancellationToken = default) =>
        Answers is { } answers ? await answers.AddressesAsync(Fqdn(record), cancellationToken) : await Records.GetAddressesAsync(record, cancellationToken);

    public void Dispose() => http.Dispose();
}
