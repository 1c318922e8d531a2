using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Tests.Core.Topology;

/// <summary>A DR topology with a problem is refused before anything runs, every problem named by its path.</summary>
public sealed class Topology_validation_test
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Topology:ControlPlane:Location"] = "eu-central-1",
        ["Topology:Dns:Provider"] = "powerdns",
        ["Topology:Dns:Zone"] = "causal-eval.test",
        ["Topology:Dns:ApiUrl"] = "http://127.0.0.1:8081",
        ["Topology:Dns:ApiKeySecret"] = "dns",
        ["Topology:Regions:east:Role"] = "primary",
        ["Topology:Regions:east:Location"] = "us-east-1",
        ["Topology:Regions:east:Database:Nodes:0:Name"] = "east-db",
        ["Topology:Regions:east:Database:Nodes:0:Host"] = "10.0.1.5",
        ["Topology:Regions:east:Database:Nodes:0:Agent:Url"] = "https://10.0.1.5:7400",
        ["Topology:Regions:east:Database:Nodes:0:Agent:TokenSecret"] = "agent-east",
        ["Topology:Regions:east:Database:Nodes:0:Agent:CertificateSecret"] = "agent-east-certificate",
        ["Topology:Regions:east:Database:Nodes:0:Agent:CertificateSha256"] = new string('a', 64),
        ["Topology:Regions:east:Dns:Records:db:0"] = "10.0.1.5",
        ["Topology:Regions:west:Role"] = "secondary",
        ["Topology:Regions:west:Location"] = "us-west-2",
        ["Topology:Regions:west:CapacityPercent"] = "50",
        ["Topology:Regions:west:Database:Nodes:0:Name"] = "west-db",
        ["Topology:Regions:west:Database:Nodes:0:Host"] = "10.0.2.5",
        ["Topology:Regions:west:Compute:Provider"] = "kubernetes",
        ["Topology:Regions:west:Compute:Kubernetes:ApiUrl"] = "https://k8s.west.example:6443",
        ["Topology:Regions:west:Compute:Kubernetes:TokenSecret"] = "k8s-west",
        ["Topology:Regions:west:Compute:Services:api:Normal"] = "3",
        ["Topology:Regions:west:Compute:Services:api:Failover"] = "6",
        ["Secrets:dns"] = "k",
        ["Secrets:agent-east"] = "t",
        ["Secrets:k8s-west"] = "token",
    };

    private static IReadOnlyList<string> Problems(Dictionary<string, string?> changes)
    {
        var settings = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        return TopologyValidator.Read(new ConfigurationBuilder().AddInMemoryCollection(settings.Where(kv => kv.Value is not null)).Build()).Problems;
    }

    [Fact]
    public void A_complete_topology_resolves()
    {
        var topology = TopologyValidator.Load(new ConfigurationBuilder().AddInMemoryCollection(Valid).Build());
        Assert.Equal("west-db", topology.RegionWith(RegionRole.Secondary)!.Value.Region.Database.Nodes.Single().Name);
        Assert.Equal(5432, topology.FindNode("east-db")!.Value.Node.Port);
        Assert.Equal(6, topology.Regions["west"].Compute!.Services["api"].Failover);
    }

    [Theory]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Prot", "7", "Topology:Regions:east:Database:Nodes:0:Prot: unknown field")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Port", "0", "Topology:Regions:east:Database:Nodes:0:Port: 0 is not a port")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Port", "five", "Topology:Regions:east:Database:Nodes:0:Port")]
    [InlineData("Topology:Regions:west:Role", "primary", "exactly one region must have Role 'primary' (found 2)")]
    [InlineData("Topology:Regions:west:Role", "tertiary", "Topology:Regions:west:Role: 'tertiary' is not a role")]
    [InlineData("Topology:ControlPlane:Location", "us-east-1", "the control plane must outlive the primary region")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Agent:TokenSecret", "nobody", "Agent:TokenSecret: no secret 'Secrets:nobody' is configured")]
    [InlineData("Topology:Regions:west:Compute:Services:api:Failover", "1", "Topology:Regions:west:Compute:Services:api: Normal 3 and Failover 1")]
    [InlineData("Topology:Dns:Provider", "bind", "Topology:Dns:Provider: 'bind' is not a DNS provider")]
    [InlineData("Topology:Regions:west:Compute:Kubernetes:ApiUrl", "k8s", "Topology:Regions:west:Compute:Kubernetes:ApiUrl: 'k8s' is not an address")]
    [InlineData("Topology:Regions:west:Compute:Kubernetes:TokenSecret", "nobody", "Compute:Kubernetes:TokenSecret: no secret 'Secrets:nobody' is configured")]
    [InlineData("Topology:Regions:west:Stores:Far:Kind", "tape", "Topology:Regions:west:Stores:Far:Kind 'tape' is not a store")]
    [InlineData("Topology:Regions:west:Database:Nodes:0:Name", "east-db", "node name 'east-db' is used twice")]
    // An agent is reached over TLS only, and its certificate is one its clients can check.
    [InlineData("Topology:Regions:east:Database:Nodes:0:Agent:Url", "http://10.0.1.5:7400",
        "Agent:Url: 'http://10.0.1.5:7400' is plain http: an agent is reached over https only")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Agent:Url", "https://10.0.1.5:7400/x", "Agent:Url: 'https://10.0.1.5:7400/x' is not an https address")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Agent:CertificateSha256", "00ff", "Agent:CertificateSha256: '00ff' is not a SHA-256 in hex")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Agent:CertificateSha256", null,
        "Agent:CertificateSha256: missing, and no Topology:AgentTls:CaCertificates")]
    [InlineData("Topology:Regions:east:Database:Nodes:0:Agent:CertificateSecret", null, "Agent:CertificateSecret: missing")]
    [InlineData("Topology:AgentTls:CaCertificates", "not a certificate", "Topology:AgentTls:CaCertificates: no PEM certificate in it")]
    public void Each_problem_is_named_by_its_path(string key, string? value, string problem)
    {
        Assert.Contains(Problems(new() { [key] = value }), p => p.Contains(problem, StringComparison.Ordinal));
    }

    /// <summary>Route 53: a hosted zone id and the credentials' secret are required; its endpoint is optional but must be an address.</summary>
    [Fact]
    public void A_route53_zone_needs_its_hosted_zone_and_credentials()
    {
        var route53 = new Dictionary<string,
            string?> { ["Topology:Dns:Provider"] = "route53", ["Topology:Dns:ApiUrl"] = null, ["Topology:Dns:HostedZoneId"] = "Z0TEST" };
        Assert.Empty(Problems(route53)); // the "dns" secret holds accessKeyId:secretAccessKey

        Assert.Contains(Problems(new(route53) { ["Topology:Dns:HostedZoneId"] = null }), p
            => p.StartsWith("Topology:Dns:HostedZoneId: missing", StringComparison.Ordinal));
        Assert.Contains(Problems(new(route53) { ["Topology:Dns:ApiKeySecret"] = "aws" }), p
            => p.Contains("Topology:Dns:ApiKeySecret: no secret 'Secrets:aws'", StringComparison.Ordinal));
        Assert.Contains(Problems(new(route53) { ["Topology:Dns:ApiUrl"] = "route53 please" }), p
            => p.StartsWith("Topology:Dns:ApiUrl: 'route53 please' is not an address", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_named_at_once_and_loading_refuses_them_all()
    {
        var settings = new Dictionary<string, string?>(Valid) { ["Topology:Regions:east:CapacityPercent"] = "0", ["Topology:Regions:west:Location"] = "" };
        var error = Assert.Throws<DrConfigurationException>(() => TopologyValidator.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()));
        Assert.Contains("Topology:Regions:east:CapacityPercent: 0 is outside 1..100", error.Message);
        Assert.Contains("Topology:Regions:west:Location: missing", error.Message);
    }

    [Fact]
    public void No_topology_at_all_is_valid_and_empty()
    {
        var (topology, problems) = TopologyValidator.Read(new ConfigurationBuilder().Build());
        Assert.Empty(problems);
        Assert.True(topology.IsEmpty);
    }

    [Fact]
    public async Task Dr_topology_check_refuses_a_settings_file_with_a_bad_field_naming_its_path()
    {
        var directory = RepoPaths.NewTempDirectory("topology-check");
        try
        {
            var file = Path.Combine(directory, "settings.json");
            await File.WriteAllTextAsync(file, """
                { "Topology": { "ControlPlane": { "Location": "c" },
                  "Regions": { "east": { "Role": "primary", "Location": "l", "Database": { "Nodes": [ { "Name": "n", "Host": "h", "Prot": 5432 } ] } } } } }
                """);
            var result = await LabFixture.RunDrAsync(directory, "topology", "check", "--settings", file);
            Assert.Equal(3, result.ExitCode);
            Assert.Contains("Topology:Regions:east:Database:Nodes:0:Prot: unknown field", result.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
