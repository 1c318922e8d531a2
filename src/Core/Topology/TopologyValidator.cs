using System.Collections;
using System.Reflection;
using CausalEval.Dr.Core.Errors;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Core.Topology;

/// <summary>
/// Reads the "Topology" section and names every problem at once, each by its configuration path
/// (<c>Topology:Regions:primary:Database:Nodes:0:Port: 0 is not a port</c>), as the lab's topology parser
/// and CloudNativePG's validators do: unknown fields, values that do not parse, and rules of a DR topology
/// (one primary, the control plane outside it, agents with tokens, records for every region).
/// </summary>
public static class TopologyValidator
{
    public static readonly string[] DnsProviders = ["powerdns", "route53"];
    public static readonly string[] ComputeProviders = ["lab", "kubernetes"];

    /// <summary>The topology, or the problems that keep it from being one. An absent section is an empty, valid topology.</summary>
    public static (TopologyOptions Topology, IReadOnlyList<string> Problems) Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(TopologyOptions.Section);
        var problems = new List<string>();
        UnknownKeys(section, typeof(TopologyOptions), problems);
        TopologyOptions topology;
        try
        {
            topology = section.Get<TopologyOptions>() ?? new TopologyOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the path and the type it could not convert to.
            problems.Add(e.Message);
            return (new TopologyOptions(), problems);
        }

        problems.AddRange(Check(topology, name => !string.IsNullOrEmpty(configuration[$"Secrets:{name}"])));
        return (topology, problems);
    }

    /// <summary>The topology, or a configuration error listing every problem.</summary>
    public static TopologyOptions Load(IConfiguration configuration)
    {
        var (topology, problems) = Read(configuration);
        return problems.Count == 0
            ? topology
            : throw new DrConfigurationException("invalid DR topology:" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
    }

    public static IReadOnlyList<string> Check(TopologyOptions topology, Func<string, bool> hasSecret)
    {
        var problems = new List<string>();
        if (topology.IsEmpty)
        {
            return problems;
        }

        const string root = TopologyOptions.Section;
        var roles = topology.Regions.Select(r => (r.Key, Role: r.Value.RoleValue)).ToList();
        if (roles.Count(r => r.Role == RegionRole.Primary) != 1)
        {
            problems.Add($"{root}:Regions: exactly one region must have Role 'primary' (found {roles.Count(r => r.Role == RegionRole.Primary)})");
        }

        foreach (var role in new[] { RegionRole.Secondary, RegionRole.DisasterRecovery })
        {
            if (roles.Count(r => r.Role == role) > 1)
            {
                problems.Add($"{root}:Regions: at most one region may have Role '{(role == RegionRole.Secondary ? "secondary" : "dr")}'");
            }
        }

        var primary = topology.RegionWith(RegionRole.Primary);
        if (string.IsNullOrWhiteSpace(topology.ControlPlane.Location))
        {
            problems.Add($"{root}:ControlPlane:Location: missing (where the orchestrations and their task hub run)");
        }
        else if (primary is { } p && string.Equals(p.Region.Location, topology.ControlPlane.Location, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{root}:ControlPlane:Location: '{topology.ControlPlane.Location}' is the primary region's location: the control plane must outlive " +
                $"the primary region");
        }

        if (topology.AgentTls.CaCertificates.Length > 0 && CertificateProblem(topology.AgentTls.CaCertificates) is { } bundle)
        {
            problems.Add($"{root}:AgentTls:CaCertificates: {bundle}");
        }

        foreach (var (name, region) in topology.Regions)
        {
            CheckRegion($"{root}:Regions:{name}", region, topology.Dns is not null, topology.AgentTls, hasSecret, problems);
        }

        foreach (var duplicate in topology.Nodes.GroupBy(n => n.Node.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            problems.Add($"{root}:Regions: node name '{duplicate.Key}' is used twice (in {string.Join(" and ", duplicate.Select(n => n.Region))})");
        }

        if (primary is { } serving && serving.Region.Database.Nodes.Count == 0)
        {
            problems.Add($"{root}:Regions:{serving.Name}:Database:Nodes: the primary region has no database node");
        }

        if (topology.Dns is { } dns)
        {
            CheckDns($"{root}:Dns", dns, hasSecret, problems);
        }

        return problems;
    }

    private static void CheckRegion(string path, RegionOptions region, bool hasDns, AgentTlsOptions tls, Func<string, bool> hasSecret, List<string> problems)
    {
        if (region.RoleValue is null)
        {
            problems.Add($"{path}:Role: '{region.Role}' is not a role (primary, secondary or dr)");
        }

        if (string.IsNullOrWhiteSpace(region.Location))
        {
            problems.Add($"{path}:Location: missing");
        }

        if (region.CapacityPercent is < 1 or > 100)
        {
            problems.Add($"{path}:CapacityPercent: {region.CapacityPercent} is outside 1..100");
        }

        for (var i = 0; i < region.Database.Nodes.Count; i++)
        {
            var node = region.Database.Nodes[i];
            var nodePath = $"{path}:Database:Nodes:{i}";
            if (string.IsNullOrWhiteSpace(node.Name))
            {
                problems.Add($"{nodePath}:Name: missing");
            }

            if (string.IsNullOrWhiteSpace(node.Host))
            {
                problems.Add($"{nodePath}:Host: missing");
            }

            if (node.Port is < 1 or > 65535)
            {
                problems.Add($"{nodePath}:Port: {node.Port} is not a port (1..65535)");
            }

            if (node.Agent is { } agent)
            {
                CheckAgent(nodePath + ":Agent", agent, tls, hasSecret, problems);
            }
        }

        foreach (var (record, addresses) in region.Dns.Records)
        {
            if (!hasDns)
            {
                problems.Add($"{path}:Dns:Records:{record}: records without a zone (set {TopologyOptions.Section}:Dns)");
            }

            if (addresses.Count == 0 || addresses.Any(string.IsNullOrWhiteSpace))
            {
                problems.Add($"{path}:Dns:Records:{record}: needs at least one address, and no empty one");
            }
        }

        if (region.Compute is { } compute)
        {
            if (!ComputeProviders.Contains(compute.Provider, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{path}:Compute:Provider: '{compute.Provider}' is not a compute provider ({string.Join(", ", ComputeProviders)})");
            }
            else if (string.Equals(compute.Provider, "kubernetes", StringComparison.OrdinalIgnoreCase))
            {
                if (compute.Kubernetes is not { } kubernetes)
                {
                    problems.Add($"{path}:Compute:Kubernetes: missing (ApiUrl, Namespace, TokenSecret of the region's cluster)");
                }
                else
                {
                    if (!Uri.TryCreate(kubernetes.ApiUrl, UriKind.Absolute, out _))
                    {
                        problems.Add($"{path}:Compute:Kubernetes:ApiUrl: '{kubernetes.ApiUrl}' is not an address (the cluster's API server)");
                    }

                    if (string.IsNullOrWhiteSpace(kubernetes.Namespace))
                    {
                        problems.Add($"{path}:Compute:Kubernetes:Namespace: missing");
                    }

                    if (kubernetes.ReadyTimeoutSeconds < 1)
                    {
                        problems.Add($"{path}:Compute:Kubernetes:ReadyTimeoutSeconds: {kubernetes.ReadyTimeoutSeconds} must be at least 1");
                    }

                    RequireSecret($"{path}:Compute:Kubernetes:TokenSecret", kubernetes.TokenSecret, hasSecret, problems);
                }
            }

            foreach (var (service, scale) in compute.Services)
            {
                if (scale.Normal < 0 || scale.Failover < 1 || scale.Failover < scale.Normal)
                {
                    problems.Add($"{path}:Compute:Services:{service}: Normal {scale.Normal} and Failover {scale.Failover} must satisfy 0 <= Normal <= " +
                        $"Failover, Failover >= 1");
                }
            }
        }

        if (region.Cache is { } cache && !IsHostPort(cache.Redis))
        {
            problems.Add($"{path}:Cache:Redis: '{cache.Redis}' is not host:port");
        }

        if (region.Stores.Near is { } near)
        {
            problems.AddRange(near.Problems($"{path}:Stores:Near"));
        }

        if (region.Stores.Far is { } far)
        {
            problems.AddRange(far.Problems($"{path}:Stores:Far"));
        }

        if (region.Files is { } files)
        {
            problems.AddRange(files.Problems($"{path}:Files"));
            if (files.NormalizedKind == "local")
            {
                problems.Add($"{path}:Files:Kind: the framework's files live in s3 or azure-blob, not '{files.Kind}'");
            }
        }
    }

    private static bool IsHostPort(string value) =>
        value.LastIndexOf(':') is var colon and > 0 && int.TryParse(value[(colon + 1)..], out var port) && port is >= 1 and <= 65535;

    private static void CheckDns(string path, DnsZoneOptions dns, Func<string, bool> hasSecret, List<string> problems)
    {
        if (!DnsProviders.Contains(dns.Provider, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"{path}:Provider: '{dns.Provider}' is not a DNS provider ({string.Join(", ", DnsProviders)})");
        }

        if (string.IsNullOrWhiteSpace(dns.Zone))
        {
            problems.Add($"{path}:Zone: missing");
        }

        if (dns.TtlSeconds is < 1 or > 86400)
        {
            problems.Add($"{path}:TtlSeconds: {dns.TtlSeconds} is outside 1..86400");
        }

        if (string.Equals(dns.Provider, "powerdns", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(dns.ApiUrl, UriKind.Absolute, out _))
            {
                problems.Add($"{path}:ApiUrl: '{dns.ApiUrl}' is not an address (PowerDNS's HTTP API)");
            }

            RequireSecret($"{path}:ApiKeySecret", dns.ApiKeySecret, hasSecret, problems);
        }
        else if (string.Equals(dns.Provider, "route53", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(dns.HostedZoneId))
            {
                problems.Add($"{path}:HostedZoneId: missing (Route 53 changes records by hosted zone id)");
            }

            if (!string.IsNullOrWhiteSpace(dns.ApiUrl) && !Uri.TryCreate(dns.ApiUrl, UriKind.Absolute, out _))
            {
                problems.Add($"{path}:ApiUrl: '{dns.ApiUrl}' is not an address (empty: Route 53's own endpoint)");
            }

            RequireSecret($"{path}:ApiKeySecret", dns.ApiKeySecret, hasSecret, problems); // "accessKeyId:secretAccessKey"
        }
    }

    /// <summary>HTTPS with a certificate its clients can check (pinned, or signed by the topology's CA bundle), a token, a certificate of its own.</summary>
    private static void CheckAgent(string path, AgentEndpointOptions agent, AgentTlsOptions tls, Func<string, bool> hasSecret, List<string> problems)
    {
        if (!Uri.TryCreate(agent.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/")
        {
            problems.Add($"{path}:Url: '{agent.Url}' is not an https address (https://host:port)");
        }
        else if (url.Scheme == "http")
        {
            problems.Add($"{path}:Url: '{agent.Url}' is plain http: an agent is reached over https only (its token acts on a database host, and it crosses " +
                $"regions)");
        }

        RequireSecret($"{path}:TokenSecret", agent.TokenSecret, hasSecret, problems);
        if (string.IsNullOrWhiteSpace(agent.CertificateSecret))
        {
            problems.Add($"{path}:CertificateSecret: missing (the entry of Secrets holding the agent's certificate and key, read on its host)");
        }

        if (agent.CertificateSha256.Length > 0 && (agent.CertificateSha256.Length != 64 || !agent.CertificateSha256.All(char.IsAsciiHexDigit)))
        {
            problems.Add($"{path}:CertificateSha256: '{agent.CertificateSha256}' is not a SHA-256 in hex (64 digits)");
        }
        else if (agent.CertificateSha256.Length == 0 && string.IsNullOrWhiteSpace(tls.CaCertificates))
        {
            problems.Add($"{path}:CertificateSha256: missing, and no {TopologyOptions.Section}:AgentTls:CaCertificates to check the agent's certificate " +
                $"against");
        }
    }

    private static string? CertificateProblem(string pem)
    {
        try
        {
            var bundle = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            bundle.ImportFromPem(pem);
            return bundle.Count > 0 ? null : "no PEM certificate in it";
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return $"not PEM certificates: {e.Message}";
        }
    }

    private static void RequireSecret(string path, string name, Func<string, bool> hasSecret, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add($"{path}: missing (the name of an entry in Secrets)");
        }
        else if (!hasSecret(name))
        {
            problems.Add($"{path}: no secret 'Secrets:{name}' is configured");
        }
    }

    /// <summary>Configuration keys the topology's types have no field for: a typo must not silently drop a setting.</summary>
    private static void UnknownKeys(IConfigurationSection section, Type type, List<string> problems)
    {
        foreach (var child in section.GetChildren())
        {
            if (ElementType(type, typeof(IDictionary<,>), 1) is { } valueType)
            {
                UnknownKeys(child, valueType, problems);
            }
            else if (ElementType(type, typeof(IList<>), 0) is { } itemType)
            {
                if (!int.TryParse(child.Key, out _))
                {
                    problems.Add($"{child.Path}: expected a list entry (0, 1, ...)");
                }
                else
                {
                    UnknownKeys(child, itemType, problems);
                }
            }
            else if (IsValue(type))
            {
                problems.Add($"{section.Path}: expected a value, not fields");
                return;
            }
            else
            {
                var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .FirstOrDefault(p => p.CanWrite && string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name);
                    problems.Add($"{child.Path}: unknown field (known: {string.Join(", ", known)})");
                }
                else if (!IsValue(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType))
                {
                    UnknownKeys(child, property.PropertyType, problems);
                }
                else if (child.GetChildren().Any())
                {
                    problems.Add($"{child.Path}: expected a value, not fields");
                }
                else if (!Parses(child.Value, Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType))
                {
                    // The binder skips what it cannot convert (a whole list entry, say): name it instead.
                    problems.Add($"{child.Path}: '{child.Value}' is not {(property.PropertyType == typeof(bool) ? "true or false" : "a whole number")}");
                }
            }
        }
    }

    private static bool Parses(string? value, Type type) =>
        value is null || type == typeof(string) || type.IsEnum
        || (type == typeof(int) && int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _))
        || (type == typeof(bool) && bool.TryParse(value, out _))
        || (type != typeof(int) && type != typeof(bool));

    private static bool IsValue(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal);

    private static Type? ElementType(Type type, Type generic, int argument)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var match = (type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type : null)
            ?? type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
        return match?.GetGenericArguments()[argument];
    }
}
