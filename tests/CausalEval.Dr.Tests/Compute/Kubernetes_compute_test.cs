using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Moq;

namespace CausalEval.Dr.Tests.Compute;

/// <summary>
/// The Kubernetes compute provider against a loopback API server (<see cref="FakeKubernetes"/>): the requests it
/// sends for the seed's `kubectl patch service … maintenance` and `kubectl scale deployment … --replicas=6`, that a
/// scale-out returns only once the watch shows every replica ready, and how refusals surface.
/// </summary>
public sealed class Kubernetes_compute_test : IDisposable
{
    private readonly FakeKubernetes cluster = new("causal-eval");

    public void Dispose() => cluster.Dispose();

    private ComputeOptions Options(string statefulSet = "") => new()
    {
        Provider = "kubernetes",
        Kubernetes = new KubernetesOptions { ApiUrl = cluster.Endpoint, Namespace = "causal-eval", TokenSecret = "k8s", DatabaseStatefulSet = statefulSet,
            ReadyTimeoutSeconds = 30 },
        Services = { ["api"] = new ServiceScaleOptions { Normal = 3, Failover = 6 },
            ["worker"] = new ServiceScaleOptions { Normal = 2, Failover = 4, Deployment = "workers" } },
    };

    private KubernetesCompute Compute(ComputeOptions? options = null, string token = FakeKubernetes.Token)
    {
        options ??= Options();
        return new KubernetesCompute(KubernetesCompute.CreateClient(options.Kubernetes!, token), "west", options);
    }

    [Fact]
    public async Task Drain_points_the_service_selector_at_maintenance_with_a_strategic_merge_patch()
    {
        cluster.AddService("api-service", new() { ["app"] = "api", ["version"] = "v7" });

        var drained = await Compute().DrainAsync("west", "api");

        var patch = Assert.Single(cluster.Requests, r => r.Method == "PATCH");
        Assert.Equal(("PATCH", "/api/v1/namespaces/causal-eval/services/api-service"), (patch.Method, patch.PathAndQuery.Split('?')[0]));
        Assert.StartsWith("application/strategic-merge-patch+json", patch.ContentType);
        Assert.Equal($"Bearer {FakeKubernetes.Token}", patch.Authorization);
        var body = JsonNode.Parse(patch.Body)!;
        Assert.Equal("maintenance", body["spec"]!["selector"]!["version"]!.GetValue<string>());
        // The serving selector is kept on the service itself, for the undrain.
        Assert.Equal("""{"app":"api","version":"v7"}""", body["metadata"]!["annotations"]![KubernetesCompute.ServingSelectorAnnotation]!.GetValue<string>());
        Assert.Equal([new InstanceDrained("service/api-service", true, "selector version=maintenance")], drained);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "api", ["version"] = "maintenance" }, cluster.SelectorOf("api-service"));
    }

    [Fact]
    public async Task Undrain_puts_the_serving_selector_back_and_a_second_drain_keeps_it()
    {
        cluster.AddService("api-service", new() { ["app"] = "api" });
        await Compute().DrainAsync("west", "api");
        var again = await Compute().DrainAsync("west", "api"); // a rerun must not record "maintenance" as the serving selector

        var undrained = await Compute().UndrainAsync("west", "api");

        Assert.Equal("selector version=maintenance (already)", Assert.Single(again).Detail);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "api" }, cluster.SelectorOf("api-service"));
        var patch = cluster.Requests.Last(r => r.Method == "PATCH");
        var body = JsonNode.Parse(patch.Body)!;
        Assert.True(body["spec"]!["selector"]!.AsObject().ContainsKey("version") && body["spec"]!["selector"]!["version"] is null,
            "the maintenance version must be removed (null), not left");
        Assert.Equal("selector app=api", Assert.Single(undrained).Detail);
        Assert.False(cluster.Services["api-service"]["metadata"]!.AsObject().ContainsKey("annotations")
            && cluster.Services["api-service"]["metadata"]!["annotations"]!.AsObject().ContainsKey(KubernetesCompute.ServingSelectorAnnotation));
    }

    [Fact]
    public async Task Scale_out_patches_the_scale_and_returns_once_the_watch_shows_every_replica_ready()
    {
        cluster.AddDeployment("api-deployment", "api", 3);

        var scaled = await Compute().ScaleAsync("west", "api", 6);

        var scale = Assert.Single(cluster.Requests, r => r.Method == "PATCH");
        Assert.Equal("/apis/apps/v1/namespaces/causal-eval/deployments/api-deployment/scale", scale.PathAndQuery.Split('?')[0]);
        Assert.StartsWith("application/merge-patch+json", scale.ContentType);
        Assert.Equal(6, JsonNode.Parse(scale.Body)!["spec"]!["replicas"]!.GetValue<int>());
        var watch = Assert.Single(cluster.Requests, r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal));
        Assert.Contains("fieldSelector=metadata.name%3Dapi-deployment", watch.PathAndQuery);
        Assert.Equal((6, 3), (scaled.Replicas, scaled.Started));
        Assert.Equal(cluster.ReadyAddresses("api-deployment"), scaled.Addresses);
        Assert.Equal(6, scaled.Addresses.Count); // every one ready when it returned
    }

    [Fact]
    public async Task A_rerun_at_the_asked_scale_patches_nothing_and_names_the_deployment_the_topology_gives()
    {
        cluster.AddDeployment("workers", "worker", 4);

        var scaled = await Compute().ScaleAsync("west", "worker", 4);

        Assert.DoesNotContain(cluster.Requests, r => r.Method == "PATCH");
        Assert.Equal((4, 0, 4), (scaled.Replicas, scaled.Started, scaled.Addresses.Count));
        Assert.Equal(cluster.ReadyAddresses("workers"), await Compute().RunningAsync("west", "worker"));
    }

    [Fact]
    public async Task Stopping_a_service_scales_its_deployment_to_zero_once_and_returns_what_was_ready()
    {
        cluster.AddDeployment("api-deployment", "api", 3);
        var ready = cluster.ReadyAddresses("api-deployment");

        var stopped = await Compute().StopServiceAsync("west", "api");
        var again = await Compute().StopServiceAsync("west", "api");

        var scale = Assert.Single(cluster.Requests, r => r.Method == "PATCH");
        Assert.Equal("/apis/apps/v1/namespaces/causal-eval/deployments/api-deployment/scale", scale.PathAndQuery.Split('?')[0]);
        Assert.Equal(0, JsonNode.Parse(scale.Body)!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(ready.Order(), stopped.Order());
        Assert.Empty(again);
        Assert.Empty(cluster.ReadyAddresses("api-deployment"));
    }

    [Fact]
    public async Task Restart_deletes_the_pod_and_waits_for_its_replacement()
    {
        cluster.AddDeployment("api-deployment", "api", 2);
        var old = cluster.ReadyAddresses("api-deployment")[0];

        var restarted = await Compute().RestartAsync("west", "api", old);

        Assert.Single(cluster.Requests, r => r.Method == "DELETE"
            && r.PathAndQuery.StartsWith("/api/v1/namespaces/causal-eval/pods/", StringComparison.Ordinal));
        Assert.DoesNotContain(old, cluster.ReadyAddresses("api-deployment"));
        Assert.Equal(2, cluster.ReadyAddresses("api-deployment").Count);
        Assert.Contains("2 of 2 ready again", restarted.Detail);
    }

    [Fact]
    public async Task The_database_is_fenced_by_scaling_its_statefulset_to_zero_and_not_at_all_without_one()
    {
        Assert.Equal("statefulset/postgres-east in causal-eval scaled to 0", await Compute(Options("postgres-east")).FenceDatabaseAsync("west"));
        Assert.Equal(0, cluster.StatefulSets["postgres-east"]);
        Assert.Null(await Compute().FenceDatabaseAsync("west"));
    }

    [Fact]
    public async Task A_token_the_cluster_refuses_is_a_configuration_error_naming_the_refusal()
    {
        cluster.AddDeployment("api-deployment", "api", 1);

        var error = await Assert.ThrowsAsync<DrConfigurationException>(() => Compute(token: "stale").ScaleAsync("west", "api", 2));

        Assert.Contains("401", error.Message);
        Assert.DoesNotContain(cluster.Requests, r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Each_region_gets_the_compute_its_topology_declares()
    {
        cluster.AddDeployment("api-deployment", "api", 1);
        var topology = new TopologyOptions
        {
            Regions =
            {
                ["east"] = new RegionOptions { Compute = new ComputeOptions { Provider = "lab" } },
                ["west"] = new RegionOptions { Compute = Options() },
            },
        };
        var secrets = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Secrets:k8s"] = FakeKubernetes.Token }).Build();
        var host = new Mock<ICompute>();
        host.Setup(c => c.RunningAsync("east", "api", It.IsAny<CancellationToken>())).ReturnsAsync(["127.0.1.11"]);

        var compute = new ComputeByRegion(topology, secrets, host.Object);

        Assert.Equal(["127.0.1.11"], await compute.RunningAsync("east", "api"));
        Assert.Equal(cluster.ReadyAddresses("api-deployment"), await compute.RunningAsync("west", "api"));
        host.Verify(c => c.RunningAsync("west", It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
