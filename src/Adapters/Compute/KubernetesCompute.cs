using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CausalEval.Dr.Adapters.Compute;

/// <summary>
/// One region's services on Kubernetes, as the seed's script drives them: drain by pointing the service's selector
/// at maintenance (<c>kubectl patch service api-service -p '{"spec":{"selector":{"version":"maintenance"}}}'</c>),
/// scale by the deployment's scale subresource (<c>kubectl scale deployment api-deployment --replicas=6</c>) and then
/// watch the deployment until that many replicas are ready; an instance is a ready pod, by its IP. Fencing a
/// database whose agent is unreachable scales its StatefulSet to 0.
/// </summary>
public sealed class KubernetesCompute(IKubernetes client, string region, ComputeOptions compute) : ICompute
{
    private readonly KubernetesOptions cluster = compute.Kubernetes
        ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{region}:Compute:Kubernetes: missing");

    private string Namespace => cluster.Namespace;

    public static IKubernetes CreateClient(KubernetesOptions cluster, string token) =>
        new Kubernetes(new KubernetesClientConfiguration { Host = cluster.ApiUrl, AccessToken = token });

    /// <summary>The annotation that keeps a drained service's serving selector, so undrain can put it back.</summary>
    public const string ServingSelectorAnnotation = "causal-eval.dr/serving-selector";

    private const string Maintenance = "maintenance";

    public async Task<IReadOnlyList<InstanceDrained>> DrainAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var name = ServiceOf(service);
        try
        {
            var current = await Call(() => client.CoreV1.ReadNamespacedServiceAsync(name, Namespace, cancellationToken: cancellationToken));
            var selector = current.Spec?.Selector ?? new Dictionary<string, string>();
            if (selector.TryGetValue("version", out var version) && version == Maintenance)
            {
                return [new InstanceDrained($"service/{name}", Reachable: true, "selector version=maintenance (already)")];
            }

            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ServingSelectorAnnotation] = JsonSerializer.Serialize(selector) } },
                ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["version"] = Maintenance } },
            };
            await Call(() => client.CoreV1.PatchNamespacedServiceAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch),
                name, Namespace, cancellationToken: cancellationToken));
            return [new InstanceDrained($"service/{name}", Reachable: true, "selector version=maintenance")];
        }
        catch (HttpRequestException e)
        {
            return [new InstanceDrained($"service/{name}", Reachable: false, $"the cluster's API did not answer: {e.Message}")];
        }
    }

    public async Task<IReadOnlyList<InstanceDrained>> UndrainAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var name = ServiceOf(service);
        var current = await Call(() => client.CoreV1.ReadNamespacedServiceAsync(name, Namespace, cancellationToken: cancellationToken));
        var selector = current.Spec?.Selector ?? new Dictionary<string, string>();
        var kept = current.Metadata?.Annotations?.TryGetValue(ServingSelectorAnnotation, out var json) == true ? json : null;
        if (kept is null)
        {
            return selector.TryGetValue("version", out var version) && version == Maintenance
                ? throw new DrConfigurationException($"service/{name} in {Namespace} points at maintenance but has no {ServingSelectorAnnotation} " +
                    $"annotation: its serving selector is unknown, set it by hand")
                : [new InstanceDrained($"service/{name}", Reachable: true, "serving (already)")];
        }

        var serving = JsonSerializer.Deserialize<Dictionary<string, string>>(kept) ?? [];
        var back = new JsonObject { ["version"] = serving.TryGetValue("version", out var v) ? v : null };
        foreach (var (key, value) in serving)
        {
            back[key] = value;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ServingSelectorAnnotation] = null } },
            ["spec"] = new JsonObject { ["selector"] = back },
        };
        await Call(() => client.CoreV1.PatchNamespacedServiceAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch),
            name, Namespace, cancellationToken: cancellationToken));
        return [new InstanceDrained($"service/{name}", Reachable: true, $"selector {string.Join(",", serving.Select(p => $"{p.Key}={p.Value}"))}")];
    }

    public async Task<IReadOnlyList<string>> RunningAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var deployment = await Call(() => client.AppsV1.ReadNamespacedDeploymentAsync(DeploymentOf(service), Namespace, cancellationToken: cancellationToken));
        return await ReadyPodAddressesAsync(deployment, cancellationToken);
    }

    /// <summary>The deployment scaled to 0: its pods are deleted by their ReplicaSet; the addresses that were ready are returned.</summary>
    public async Task<IReadOnlyList<string>> StopServiceAsync(string region, string service, CancellationToken cancellationToken = default)
    {
        var name = DeploymentOf(service);
        var before = await Call(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: cancellationToken));
        if (before.Spec?.Replicas is 0)
        {
            return [];
        }

        var ready = await ReadyPodAddressesAsync(before, cancellationToken);
        await PatchReplicasAsync(name, 0, cancellationToken);
        return ready;
    }

    public async Task<ServiceScaled> ScaleAsync(string region, string service, int replicas, CancellationToken cancellationToken = default)
    {
        var name = DeploymentOf(service);
        var before = await Call(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: cancellationToken));
        if (before.Spec?.Replicas != replicas)
        {
            await PatchReplicasAsync(name, replicas, cancellationToken);
        }

        var ready = await WaitReadyAsync(name, replicas, cancellationToken);
        var addresses = await ReadyPodAddressesAsync(ready, cancellationToken);
        return new ServiceScaled(region, service, replicas, Math.Max(0, replicas - (before.Status?.ReadyReplicas ?? 0)), addresses);
    }

    public Task<RegionProvisioned> ProvisionRegionAsync(string region, CancellationToken cancellationToken = default) =>
        throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{region}:Compute: a Kubernetes region's cluster and node agents are " +
            $"provisioned outside dr; recover-region needs them running");

    public async Task<InstanceRestarted> RestartAsync(string region, string service, string address, CancellationToken cancellationToken = default)
    {
        var name = DeploymentOf(service);
        var deployment = await Call(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: cancellationToken));
        var pods = await Call(()
            => client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: SelectorOf(deployment), cancellationToken: cancellationToken));
        var pod = pods.Items.FirstOrDefault(p => p.Status?.PodIP == address)
            ?? throw new BadInputException($"no pod of deployment {name} has the address {address}");
        await Call(() => client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, Namespace, cancellationToken: cancellationToken));
        // Its replacement must be ready before the next group: the deployment is back at its replicas, the deleted pod gone.
        var replicas = deployment.Spec?.Replicas ?? 1;
        var clock = DateTime.UtcNow;
        while (true)
        {
            var now = await Call(()
                => client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: SelectorOf(deployment), cancellationToken: cancellationToken));
            var ready = now.Items.Where(IsReady).ToList();
            if (ready.Count >= replicas && ready.All(p => p.Metadata.Name != pod.Metadata.Name))
            {
                return new InstanceRestarted(region, service, address, $"pod {pod.Metadata.Name} deleted, {ready.Count} of {replicas} ready again");
            }

            if (DateTime.UtcNow - clock > TimeSpan.FromSeconds(cluster.ReadyTimeoutSeconds))
            {
                throw new TimeoutException($"deployment {name}: {ready.Count} of {replicas} pods ready {cluster.ReadyTimeoutSeconds} s after deleting " +
                    $"{pod.Metadata.Name}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    public async Task<string?> FenceDatabaseAsync(string region, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(cluster.DatabaseStatefulSet))
        {
            return null;
        }

        await Call(() => client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch),
            cluster.DatabaseStatefulSet, Namespace, cancellationToken: cancellationToken));
        return $"statefulset/{cluster.DatabaseStatefulSet} in {Namespace} scaled to 0";
    }

    private string DeploymentOf(string service) =>
        compute.Services.TryGetValue(service, out var scale) && scale.Deployment is { Length: > 0 } name ? name : $"{service}-deployment";

    private string ServiceOf(string service) =>
        compute.Services.TryGetValue(service, out var scale) && scale.KubernetesService is { Length: > 0 } name ? name : $"{service}-service";

    /// <summary>Watches the deployment until <paramref name="replicas"/> of its current generation are ready.</summary>
    private async Task<V1Deployment> WaitReadyAsync(string name, int replicas, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(cluster.ReadyTimeoutSeconds));
        var current = await Call(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, Namespace, cancellationToken: cancellationToken));
        try
        {
            while (!Done(current))
            {
                // A watch ends when the server closes it (its timeout); then it is opened again from where it was.
                await foreach (var (type, deployment) in client.AppsV1.WatchListNamespacedDeploymentAsync(Namespace, fieldSelector: $"metadata.name={name}",
                    resourceVersion: current.Metadata.ResourceVersion, cancellationToken: limit.Token))
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        current = deployment;
                        if (Done(current))
                        {
                            break;
                        }
                    }
                    else if (type == WatchEventType.Deleted)
                    {
                        throw new InvalidOperationException($"deployment {name} was deleted while it was being scaled");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"deployment {name}: {current.Status?.ReadyReplicas
                ?? 0} of {replicas} replicas ready after {cluster.ReadyTimeoutSeconds} s");
        }

        return current;

        bool Done(V1Deployment d) => (d.Status?.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0) && (d.Status?.ReadyReplicas ?? 0) >= replicas
            && (d.Status?.UpdatedReplicas ?? d.Status?.ReadyReplicas ?? 0) >= replicas;
    }

    /// <summary>The seed's `kubectl scale deployment {name} --replicas=N`: a merge patch of the scale subresource.</summary>
    private Task PatchReplicasAsync(string deployment, int replicas, CancellationToken cancellationToken) =>
        Call(() => client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch($$$"""{"spec":{"replicas":{{{replicas}}}}}""", V1Patch.PatchType.MergePatch),
            deployment, Namespace, cancellationToken: cancellationToken));

    private async Task<IReadOnlyList<string>> ReadyPodAddressesAsync(V1Deployment deployment, CancellationToken cancellationToken)
    {
        var pods = await Call(()
            => client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: SelectorOf(deployment), cancellationToken: cancellationToken));
        return pods.Items.Where(IsReady).Select(p => p.Status!.PodIP).Order().ToList();
    }

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.PodIP is { Length: > 0 }
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static string SelectorOf(V1Deployment deployment) =>
        string.Join(',', (deployment.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>()).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>The API's refusals as this project's errors: 401/403 a configuration problem, 404 a name that is wrong.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new DrConfigurationException($"Kubernetes refused the request ({(int)e.Response.StatusCode}): {e.Response.Content}");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new DrConfigurationException($"Kubernetes has no such object ({e.Request.RequestUri.AbsolutePath}): check the topology's names");
        }
    }
}
