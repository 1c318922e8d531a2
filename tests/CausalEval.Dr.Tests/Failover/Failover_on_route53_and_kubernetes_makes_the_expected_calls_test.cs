using System.Text.Json.Nodes;
using System.Xml.Linq;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Compute;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// The failover runbook with its DNS on Route 53 and each region's services on its own Kubernetes cluster — the
/// loopback stand-ins, which check every signature and token — and the lab's real databases, agents and workloads
/// behind them (the pods' IPs are the lab's workload addresses; each Route 53 change is also applied to the lab's
/// PowerDNS, which the workloads resolve db. by). After `dr lab kill primary`, `dr failover` drains the old region's
/// service (selector to maintenance), fences its database by its StatefulSet (the agent is gone), switches db. then
/// api. with one UPSERT batch each, each polled until INSYNC, scales the new region's deployment and adds the new
/// pod to api. — in that order, and nothing else changes.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Failover_on_route53_and_kubernetes_makes_the_expected_calls_test
{
    [Fact]
    public async Task Drain_fence_db_api_scale_api_in_order()
    {
        using var route53 = new FakeRoute53 { PendingPolls = 1 };
        using var east = new FakeKubernetes();
        using var west = new FakeKubernetes { ReadyOnlyWhileWatched = true }; // the scale-out is always watched, as on a real cluster
        var lab = new LabFixture();
        await lab.InitializeAsync();
        try
        {
            var zone = lab.State.Zone;
            // The second secondary instance runs for real (the lab starts one): the scaled-out pod's address must answer.
            using (var compute = new LabCompute(lab.LabDirectory, new DrCommand("dotnet", [RepoPaths.DrDll])))
            {
                await compute.ScaleAsync("secondary", "api", 2);
            }

            east.AddService("api-service", new() { ["app"] = "api", ["version"] = "v1" });
            east.AddDeployment("api-deployment", "api", 2, "127.0.1.11", "127.0.1.12");
            east.StatefulSets["postgres"] = 1;
            west.AddService("api-service", new() { ["app"] = "api", ["version"] = "v1" });
            west.AddDeployment("api-deployment", "api", 1, "127.0.2.11", "127.0.2.12");
            route53.Seed($"db.{zone}", 1, "127.0.1.1");
            route53.Seed($"api.{zone}", 1, "127.0.1.11", "127.0.1.12");
            using var pdnsHttp = new HttpClient { BaseAddress = new Uri($"http://{lab.State.Find("dns")!.Address}:{lab.State.Ports["dnsApi"]}") };
            pdnsHttp.DefaultRequestHeaders.Add("X-API-Key", lab.State.DnsApiKey);
            var pdns = new PowerDnsRecords(pdnsHttp, zone, lab.State.DnsApiKey);
            route53.Applied = (name, values) => pdns.SetAddressesAsync(name[..name.IndexOf('.')], values, 1);

            var settings = new Dictionary<string, string>
            {
                ["DR_Monitor__Enabled"] = "false",
                ["DR_Topology__Dns__Provider"] = "route53",
                ["DR_Topology__Dns__ApiUrl"] = route53.Endpoint,
                ["DR_Topology__Dns__HostedZoneId"] = route53.HostedZoneId,
                ["DR_Topology__Dns__ApiKeySecret"] = "route53",
                ["DR_Topology__Dns__Nameserver"] = "",
                ["DR_Secrets__route53"] = FakeRoute53.Credentials,
                ["DR_Secrets__k8s"] = FakeKubernetes.Token,
            };
            foreach (var (region, cluster) in new[] { ("primary", east), ("secondary", west) })
            {
                settings[$"DR_Topology__Regions__{region}__Compute__Provider"] = "kubernetes";
                settings[$"DR_Topology__Regions__{region}__Compute__Kubernetes__ApiUrl"] = cluster.Endpoint;
                settings[$"DR_Topology__Regions__{region}__Compute__Kubernetes__Namespace"] = cluster.Namespace;
                settings[$"DR_Topology__Regions__{region}__Compute__Kubernetes__TokenSecret"] = "k8s";
                settings[$"DR_Topology__Regions__{region}__Compute__Kubernetes__DatabaseStatefulSet"] = "postgres";
                settings[$"DR_Topology__Regions__{region}__Compute__Kubernetes__ReadyTimeoutSeconds"] = "60";
            }

            var environment = DrEnvironment.ForLab(lab.StateDirectory, settings);
            await using var serve = environment.Serve();
            Assert.True((await lab.RunAsync("lab", "kill", "primary")).ExitCode == 0);
            var failover = await environment.RunCliAsync("failover", "--approve", "--json");
            Assert.True(failover.ExitCode == 0, $"failover failed:\n{failover.Stdout}\n{failover.Stderr}\n{serve.Log}");

            // Route 53: every request signed; each change read first, one UPSERT batch, polled until INSYNC.
            Assert.All(route53.Requests, r => Assert.True(r.SignatureValid, $"{r.Method} {r.PathAndQuery}: bad signature"));
            var upserts = route53.Requests.Where(r => r.Method == "POST").Select(r => (r.At, Change: Upsert(r.Body))).ToList();
            Assert.Equal([($"db.{zone}.", "127.0.2.1"), ($"api.{zone}.", "127.0.2.11"), ($"api.{zone}.", "127.0.2.11,127.0.2.12")],
                upserts.Select(u => u.Change));
            Assert.All(upserts.Select((u, i) => i), i
                => Assert.Contains(route53.Requests, r => r.Method == "GET" && r.PathAndQuery == $"/2013-04-01/change/C{i + 1:D4}FAKE"));

            // The old region's cluster: the service drained (selector kept for the way back), the database's StatefulSet to 0.
            var eastChanges = east.Requests.Where(r => r.Method == "PATCH").ToList();
            Assert.Equal(["/api/v1/namespaces/causal-eval/services/api-service", "/apis/apps/v1/namespaces/causal-eval/statefulsets/postgres/scale"],
                eastChanges.Select(r => r.PathAndQuery.Split('?')[0]));
            Assert.Equal("maintenance", east.SelectorOf("api-service")["version"]);
            Assert.Equal(0, east.StatefulSets["postgres"]);

            // The new region's cluster: nothing to undrain, the deployment scaled to its failover capacity and watched until ready.
            var westChanges = west.Requests.Where(r => r.Method == "PATCH").ToList();
            var scale = Assert.Single(westChanges);
            Assert.Equal("/apis/apps/v1/namespaces/causal-eval/deployments/api-deployment/scale", scale.PathAndQuery.Split('?')[0]);
            Assert.Equal(2, JsonNode.Parse(scale.Body)!["spec"]!["replicas"]!.GetValue<int>());
            Assert.Contains(west.Requests, r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal));

            // In order: drain, then db., then api. (the running pod), the scale-out, then api. with the new pod.
            Assert.True(eastChanges[0].At < upserts[0].At, "db. switched before the old region was drained");
            Assert.True(upserts[1].At < scale.At, "api. did not move to the running pod before the scale-out");
            Assert.True(scale.At < upserts[2].At, "the scaled pod was added to api. before the scale-out");
            Assert.Equal(["127.0.2.11", "127.0.2.12"], route53.ValuesOf($"api.{zone}").Order());
            using var agents = lab.Agents();
            Assert.Equal(NodeRole.Primary, (await agents.For("secondary-db").StatusAsync()).Role);
        }
        finally
        {
            await lab.DisposeAsync();
        }
    }

    private static (string Name, string Values) Upsert(string body)
    {
        var set = XDocument.Parse(body).Descendants(FakeRoute53.Ns + "ResourceRecordSet").Single();
        Assert.Equal("UPSERT", (string)set.Parent!.Element(FakeRoute53.Ns + "Action")!);
        return ((string)set.Element(FakeRoute53.Ns + "Name")!, string.Join(',', set.Descendants(FakeRoute53.Ns + "Value").Select(v => v.Value).Order()));
    }
}
