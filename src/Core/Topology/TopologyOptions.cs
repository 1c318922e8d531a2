using CausalEval.Dr.Core.Storage;

namespace CausalEval.Dr.Core.Topology;

/// <summary>
/// The DR topology (section "Topology"): the regions and what each one runs, the DNS zone whose records move
/// on failover, and where the control plane (orchestrations, task hub, DR state) runs. Validated at start-up
/// by <see cref="TopologyValidator"/>, every problem named by its path. Secrets (agent tokens, DNS keys) are
/// not here: fields ending in "Secret" name an entry of the "Secrets" section, resolved by whoever uses it.
/// </summary>
public sealed class TopologyOptions
{
    public const string Section = "Topology";

    public ControlPlaneOptions ControlPlane { get; set; } = new();

    public DnsZoneOptions? Dns { get; set; }

    /// <summary>How clients reach the service through its public name (failover verifies through it).</summary>
    public ServiceApiOptions Api { get; set; } = new();

    /// <summary>How the node agents' certificates are trusted (a node may pin its own instead).</summary>
    public AgentTlsOptions AgentTls { get; set; } = new();

    /// <summary>By region name.</summary>
    public Dictionary<string, RegionOptions> Regions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool IsEmpty => Regions.Count == 0;

    public (string Name, RegionOptions Region)? RegionWith(RegionRole role) =>
        Regions.Where(r => r.Value.RoleValue == role).Select(r => ((string, RegionOptions)?)(r.Key, r.Value)).FirstOrDefault();

    public IEnumerable<(string Region, DatabaseNodeOptions Node)> Nodes =>
        Regions.SelectMany(r => r.Value.Database.Nodes.Select(n => (r.Key, n)));

    /// <summary>The primary region's first node: the serving primary while the DR state names none (no failover yet).</summary>
    public (string Region, string Node) PrimaryByRole()
    {
        var primary = RegionWith(RegionRole.Primary) ?? throw new Errors.DrConfigurationException($"{Section}:Regions: no primary region");
        return (primary.Name, primary.Region.Database.Nodes.FirstOrDefault()?.Name
            ?? throw new Errors.DrConfigurationException($"{Section}:Regions:{primary.Name}:Database:Nodes: the primary region has no database node"));
    }

    /// <summary>The standby of <paramref name="servingNode"/>: the first other node, the secondary region's first.</summary>
    public DatabaseNodeOptions? StandbyOf(string servingNode) =>
        Nodes.Where(n => !string.Equals(n.Node.Name, servingNode, StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => Regions[n.Region].RoleValue == RegionRole.Secondary ? 0 : 1)
            .Select(n => n.Node).FirstOrDefault();

    /// <summary>The addresses region <paramref name="region"/> declares for <paramref name="record"/>, if it declares any.</summary>
    public List<string>? RecordOf(string region, string record) =>
        Regions.TryGetValue(region, out var options) && options.Dns.Records.TryGetValue(record, out var addresses) ? addresses : null;

    public (string Region, DatabaseNodeOptions Node)? FindNode(string name) =>
        Nodes.Where(n => string.Equals(n.Node.Name, name, StringComparison.OrdinalIgnoreCase)).Select(n => ((string, DatabaseNodeOptions)?)n).FirstOrDefault();
}

public enum RegionRole { Primary, Secondary, DisasterRecovery }

/// <summary>How settings and the lab's topology file name a region's role: "primary", "secondary", "dr".</summary>
public static class RegionRoles
{
    public static RegionRole? Parse(string? text) => text?.ToLowerInvariant() switch
    {
        "primary" => RegionRole.Primary,
        "secondary" => RegionRole.Secondary,
        "dr" or "disaster-recovery" => RegionRole.DisasterRecovery,
        _ => null,
    };

    public static string NameOf(RegionRole role) => role == RegionRole.DisasterRecovery ? "dr" : role.ToString().ToLowerInvariant();
}

/// <summary>Where the orchestrations, their task hub and the DR state run: never the primary region's failure domain.</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>A location (cloud region or site) outside the primary region, e.g. "us-central1" or the lab's "shared".</summary>
    public string Location { get; set; } = "";
}

/// <summary>The zone whose records point clients at the serving region.</summary>
public sealed class DnsZoneOptions
{
    /// <summary>"powerdns" (the lab) or "route53".</summary>
    public string Provider { get; set; } = "";

    public string Zone { get; set; } = "";

    /// <summary>PowerDNS: the HTTP API's base address. Route 53: empty for its own endpoint (https://route53.amazonaws.com).</summary>
    public string ApiUrl { get; set; } = "";

    /// <summary>The entry of "Secrets" holding the API key (PowerDNS) or the AWS credentials (Route 53: "accessKeyId:secretAccessKey").</summary>
    public string ApiKeySecret { get; set; } = "";

    /// <summary>Route 53: the hosted zone id.</summary>
    public string HostedZoneId { get; set; } = "";

    /// <summary>An authoritative server to check answers against, "address:port"; empty: the provider's record is the answer (Route 53's INSYNC).</summary>
    public string Nameserver { get; set; } = "";

    public int TtlSeconds { get; set; } = 30;
}

/// <summary>The service's public endpoint: <c>{Scheme}://{Record}.{zone}:{Port}</c>.</summary>
public sealed class ServiceApiOptions
{
    public string Record { get; set; } = "api";

    /// <summary>The record the service finds its database by (moved to the new primary's address on failover).</summary>
    public string DatabaseRecord { get; set; } = "db";

    public string Scheme { get; set; } = "http";

    public int Port { get; set; } = 80;

    public string HealthPath { get; set; } = "/health";

    /// <summary>Exercises an instance's write path without writing (empty: the service has none, and warm-up is skipped).</summary>
    public string WarmUpPath { get; set; } = "/warmup";
}

public sealed class RegionOptions
{
    /// <summary>"primary", "secondary" or "dr" (the cold disaster-recovery region).</summary>
    public string Role { get; set; } = "";

    public string Location { get; set; } = "";

    /// <summary>The share of full capacity the region runs at normally (seed: secondary 50 %, dr 25 %).</summary>
    public int CapacityPercent { get; set; } = 100;

    public RegionDatabaseOptions Database { get; set; } = new();

    public RegionDnsOptions Dns { get; set; } = new();

    public ComputeOptions? Compute { get; set; }

    public RegionCacheOptions? Cache { get; set; }

    public RegionStoresOptions Stores { get; set; } = new();

    /// <summary>The framework's own file storage in this region (evaluation artifacts, datasets, results): an S3 bucket or a blob
    /// container the application writes, which the file-storage backup protects and a failover points the service at.</summary>
    public StorageOptions? Files { get; set; }

    public RegionRole? RoleValue => RegionRoles.Parse(Role);
}

public sealed class RegionDatabaseOptions
{
    public List<DatabaseNodeOptions> Nodes { get; set; } = [];
}

/// <summary>One PostgreSQL node and the agent beside it (steps that act on the node go through the agent).</summary>
public sealed class DatabaseNodeOptions
{
    public string Name { get; set; } = "";

    public string Host { get; set; } = "";

    public int Port { get; set; } = 5432;

    public AgentEndpointOptions? Agent { get; set; }
}

/// <summary>
/// A node's agent: HTTPS only (its token acts as root on a database host, and it crosses regions). Clients trust
/// the certificate it presents by its pin (<see cref="CertificateSha256"/>), else by the topology's CA bundle
/// (<see cref="AgentTlsOptions.CaCertificates"/>) for the URL's host.
/// </summary>
public sealed class AgentEndpointOptions
{
    /// <summary>https://host:port</summary>
    public string Url { get; set; } = "";

    /// <summary>The entry of "Secrets" holding the agent's bearer token.</summary>
    public string TokenSecret { get; set; } = "";

    /// <summary>The entry of "Secrets" holding the agent's certificate and private key (PEM): read by the agent alone (a Key Vault reference on its
    /// host).</summary>
    public string CertificateSecret { get; set; } = "";

    /// <summary>The SHA-256 of the agent's certificate (hex): clients accept that certificate and no other.</summary>
    public string CertificateSha256 { get; set; } = "";
}

public sealed class AgentTlsOptions
{
    /// <summary>PEM of the CA certificates that sign the agents' certificates (public; no key). A node without a pin must present one of theirs for its URL's
    /// host.</summary>
    public string CaCertificates { get; set; } = "";
}

/// <summary>What the region's DNS records are when it serves: record name (relative to the zone) → addresses.</summary>
public sealed class RegionDnsOptions
{
    public Dictionary<string, List<string>> Records { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ComputeOptions
{
    /// <summary>"lab" or "kubernetes".</summary>
    public string Provider { get; set; } = "";

    /// <summary>Service → its replicas normally and after a failover to this region.</summary>
    public Dictionary<string, ServiceScaleOptions> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>"kubernetes": the cluster the region's services run in.</summary>
    public KubernetesOptions? Kubernetes { get; set; }
}

public sealed class ServiceScaleOptions
{
    public int Normal { get; set; }

    public int Failover { get; set; }

    /// <summary>Kubernetes: the service's Deployment (default "{service}-deployment", as the seed names them).</summary>
    public string Deployment { get; set; } = "";

    /// <summary>Kubernetes: the Service clients reach it through (default "{service}-service").</summary>
    public string KubernetesService { get; set; } = "";
}

/// <summary>A region's Kubernetes cluster: its API server, the namespace, the token's secret.</summary>
public sealed class KubernetesOptions
{
    public string ApiUrl { get; set; } = "";

    public string Namespace { get; set; } = "default";

    /// <summary>The entry of "Secrets" holding a bearer token of a service account allowed to patch Services and scale Deployments.</summary>
    public string TokenSecret { get; set; } = "";

    /// <summary>The StatefulSet of the region's database: scaled to 0 to fence it when its node agent cannot be reached.</summary>
    public string DatabaseStatefulSet { get; set; } = "";

    /// <summary>How long a scale-out may take until its replicas are ready.</summary>
    public int ReadyTimeoutSeconds { get; set; } = 600;
}

/// <summary>The region's Redis (sessions, the evaluation queue): promoted to master on failover to the region.</summary>
public sealed class RegionCacheOptions
{
    /// <summary>"host:port".</summary>
    public string Redis { get; set; } = "";
}

/// <summary>The region's object stores: a near one (fast restores) and a far one (survives the region).</summary>
public sealed class RegionStoresOptions
{
    public StorageOptions? Near { get; set; }

    public StorageOptions? Far { get; set; }
}
