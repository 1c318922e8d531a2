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
        http = new HttpClient { BaseAddress = new Uri(dns.ApiUrl), Timeout = TimeSpan.FromSeconds(10) };
        Records = dns.Provider.ToLowerInvariant() switch
        {
            "powerdns" => new PowerDnsRecords(http, Zone, configuration[$"Secrets:{dns.ApiKeySecret}"]
                ?? throw new DrConfigurationException($"Secrets:{dns.ApiKeySecret}: the PowerDNS API key is not set")),
            var other => throw new DrConfigurationException($"{TopologyOptions.Section}:Dns:Provider: '{other}' cannot switch records yet (powerdns can; route53 comes with the switchover issue)"),
        };
        Answers = new AuthoritativeAnswer(dns.Nameserver);
    }

    public string Zone { get; }

    public int TtlSeconds { get; }

    public IDnsRecords Records { get; }

    public AuthoritativeAnswer Answers { get; }

    public string Fqdn(string record) => $"{record}.{Zone}";

    public void Dispose() => http.Dispose();
}
