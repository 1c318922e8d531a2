using CausalEval.Dr.Lab.Topology;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Lab;

public sealed class Lab_topology_test
{
    private static readonly string Default = File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "lab.topology.json"));

    [Fact]
    public void Default_topology_has_the_seed_regions()
    {
        var topology = LabTopologyParser.Parse(Default);
        Assert.Equal("causal-eval.test", topology.Zone);
        Assert.Equal(2, topology.Primary.WorkloadInstances);
        Assert.Equal(50, topology.Secondary.CapacityPercent);
        Assert.Equal(1, topology.Secondary.WorkloadInstances); // 50% of 2
        Assert.Equal("secondary", topology.Secondary.Postgres.ApplicationName);
        Assert.Equal("127.0.1.12", topology.Primary.WorkloadAddress(2));
    }

    [Theory]
    [InlineData("\"redis\": {},", "\"redis\": {}, \"mongodb\": {},", "regions[0].services.mongodb: unknown service 'mongodb'")]
    [InlineData("\"ports\": {}", "\"ports\": { \"postgres\": 15432, \"redis\": 15432 }", "ports.redis: duplicate port 15432, already used by ports.postgres")]
    [InlineData("\"role\": \"secondary\"", "\"role\": \"primary\"", "regions[1].role: a second 'primary' region")]
    [InlineData("\"address\": \"127.0.2.1\"", "\"address\": \"10.0.0.5\"", "regions[1].address: '10.0.0.5' is not an IPv4 loopback address")]
    [InlineData("\"dns\": {}", "\"dnz\": {}", "shared.services.dnz: unknown service")]
    public void Bad_topology_is_refused_with_the_field_named(string find, string replace, string expected)
    {
        Assert.Contains(find, Default);
        var error = Assert.Throws<LabTopologyException>(() => LabTopologyParser.Parse(Default.Replace(find, replace)));
        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_secondary_region_is_named()
    {
        var onlyPrimary = """
            { "zone": "z.test", "regions": [ { "name": "p", "role": "primary", "address": "127.0.1.1",
              "services": { "postgres": {}, "redis": {}, "workload": {} } } ],
              "shared": { "services": { "dns": {} } } }
            """;
        var error = Assert.Throws<LabTopologyException>(() => LabTopologyParser.Parse(onlyPrimary));
        Assert.Contains("regions: missing region with role 'secondary'", error.Problems);
    }

    /// <summary>`dr lab up` with a bad file: exit 2, the field named, and nothing started or written.</summary>
    [Fact]
    public async Task Cli_refuses_a_bad_topology_and_starts_nothing()
    {
        var state = RepoPaths.NewTempDirectory("lab-bad");
        var file = Path.Combine(state, "bad.json");
        File.WriteAllText(file, Default.Replace("\"redis\": {},", "\"redis\": {}, \"mongodb\": {},"));

        var result = await LabFixture.RunDrAsync(state, "lab", "up", "--topology", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("regions[0].services.mongodb: unknown service", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(state, "lab")), "the lab directory was created for a refused topology");
    }
}
