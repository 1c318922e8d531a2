using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// A loopback stand-in for a Kubernetes API server (none can run here) holding one namespace of Deployments, their
/// pods, Services and StatefulSets, answering as the real one does for what the compute provider calls: reads,
/// strategic-merge / merge patches, the scale subresource, pod deletion (its ReplicaSet replaces the pod) and a watch of
/// a deployment (line-delimited JSON events as its new pods become ready, one every <see cref="ReadyEvery"/>). Every request must carry the
/// bearer token; each is recorded with its body.
/// </summary>
public sealed class FakeKubernetes : IDisposable
{
    public const string Token = "fake-service-account-token";

    private readonly LoopbackHttp server;
    private readonly object gate = new();
    private readonly Dictionary<string, Deployment> deployments = new();
    private readonly Dictionary<string, Queue<string>> podAddresses = new();
    private int podNumber;
    private long resourceVersion = 100;

    public FakeKubernetes(string @namespace = "causal-eval")
    {
        Namespace = @namespace;
        server = new LoopbackHttp(AnswerAsync);
        _ = Task.Run(BecomeReadyAsync);
    }

    public sealed record Request(string Method, string PathAndQuery, string? ContentType, string? Authorization, string Body)
    {
        /// <summary>When it arrived: orders requests to different stand-ins.</summary>
        public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;
    }

    public string Endpoint => server.Endpoint;

    public string Namespace { get; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    public Dictionary<string, JsonObject> Services { get; } = new();

    public Dictionary<string, int> StatefulSets { get; } = new();

    public TimeSpan ReadyEvery { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>New pods become ready only while a watch is open: a scale-out is then always watched, never found done.</summary>
    public bool ReadyOnlyWhileWatched { get; set; }

    private int watchers;

    /// <summary>Status codes to answer the next requests with, before the real answer.</summary>
    public ConcurrentQueue<HttpStatusCode> Refusals { get; } = new();

    /// <param name="addresses">The IPs its pods get, in order (default: made up in 10.244.0.0/24): a test can point them at real processes.</param>
    public void AddDeployment(string name, string app, int replicas, params string[] addresses)
    {
        lock (gate)
        {
            var deployment = new Deployment(name, app) { Replicas = replicas };
            podAddresses[app] = new Queue<string>(addresses);
            for (var i = 0; i < replicas; i++)
            {
                deployment.Pods.Add(NewPod(app, ready: true));
            }

            deployments[name] = deployment;
        }
    }

    /// <summary>A Service whose selector picks <paramref name="selector"/>'s pods.</summary>
    public void AddService(string name, Dictionary<string, string> selector)
    {
        lock (gate)
        {
            var pairs = new JsonObject();
            foreach (var (key, value) in selector)
            {
                pairs[key] = value;
            }

            Services[name] = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace },
                ["spec"] = new JsonObject { ["selector"] = pairs },
            };
        }
    }

    /// <summary>The selector a Service has now.</summary>
    public Dictionary<string, string> SelectorOf(string service)
    {
        lock (gate)
        {
            return Services[service]["spec"]!["selector"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        }
    }

    /// <summary>RFC 7386: objects merge key by key, null removes a key, anything else replaces.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                MergePatch(existing, inner);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    public IReadOnlyList<string> ReadyAddresses(string deployment)
    {
        lock (gate)
        {
            return deployments[deployment].Pods.Where(p => p.Ready).Select(p => p.Ip).Order().ToList();
        }
    }

    public void Dispose() => server.Dispose();

    private Pod NewPod(string app, bool ready)
    {
        var n = ++podNumber;
        var ip = podAddresses.TryGetValue(app, out var pool) && pool.TryDequeue(out var next) ? next : $"10.244.0.{n}";
        return new Pod($"{app}-{n:D3}", ip, ready);
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var http = context.Request;
        string body;
        using (var reader = new StreamReader(http.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        Requests.Enqueue(new Request(http.HttpMethod, http.RawUrl!, http.ContentType, http.Headers["Authorization"], body));
        if (http.Headers["Authorization"] != $"Bearer {Token}")
        {
            await ReplyAsync(context.Response, 401, Status(401, "Unauthorized", "no valid bearer token"));
            return;
        }

        if (Refusals.TryDequeue(out var refusal))
        {
            await ReplyAsync(context.Response, (int)refusal, Status((int)refusal, refusal.ToString(), "injected"));
            return;
        }

        var path = http.Url!.AbsolutePath;
        var apps = $"/apis/apps/v1/namespaces/{Namespace}/";
        var core = $"/api/v1/namespaces/{Namespace}/";
        if (path == apps + "deployments" && http.QueryString["watch"] == "true")
        {
            await WatchAsync(context.Response, (http.QueryString["fieldSelector"] ?? "").Replace("metadata.name=", "", StringComparison.Ordinal));
        }
        else if (path.StartsWith(apps + "deployments/", StringComparison.Ordinal))
        {
            var rest = path[(apps + "deployments/").Length..].Split('/');
            lock (gate)
            {
                if (!deployments.TryGetValue(rest[0], out var deployment))
                {
                    _ = ReplyAsync(context.Response, 404, Status(404, "NotFound", $"deployments.apps \"{rest[0]}\" not found"));
                    return;
                }

                if (rest is [_, "scale"] && http.HttpMethod == "PATCH")
                {
                    var replicas = JsonNode.Parse(body)!["spec"]!["replicas"]!.GetValue<int>();
                    if (replicas != deployment.Replicas)
                    {
                        deployment.Replicas = replicas;
                        deployment.Generation++;
                        resourceVersion++;
                        while (deployment.Pods.Count < replicas)
                        {
                            deployment.Pods.Add(NewPod(deployment.App, ready: false));
                        }

                        deployment.Pods.RemoveRange(replicas, deployment.Pods.Count - replicas);
                    }

                    _ = ReplyAsync(context.Response, 200, new JsonObject
                    {
                        ["apiVersion"] = "autoscaling/v1", ["kind"] = "Scale",
                            ["metadata"] = new JsonObject { ["name"] = deployment.Name, ["namespace"] = Namespace },
                        ["spec"] = new JsonObject { ["replicas"] = replicas }, ["status"] = new JsonObject { ["replicas"] = deployment.Pods.Count },
                    });
                    return;
                }

                _ = ReplyAsync(context.Response, 200, Json(deployment));
            }
        }
        else if (path == core + "pods" && http.HttpMethod == "GET")
        {
            var app = (http.QueryString["labelSelector"] ?? "").Replace("app=", "", StringComparison.Ordinal);
            lock (gate)
            {
                var items = deployments.Values.Where(d => d.App == app).SelectMany(d => d.Pods).Select(p => (JsonNode)new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = p.Name, ["namespace"] = Namespace, ["labels"] = new JsonObject { ["app"] = app } },
                    ["status"] = new JsonObject
                    {
                        ["podIP"] = p.Ip,
                        ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = p.Ready ? "True" : "False" }),
                    },
                }).ToArray();
                _ = ReplyAsync(context.Response, 200,
                    new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(items) });
            }
        }
        else if (path.StartsWith(core + "pods/", StringComparison.Ordinal) && http.HttpMethod == "DELETE")
        {
            var name = path[(core + "pods/").Length..];
            lock (gate)
            {
                var owner = deployments.Values.Single(d => d.Pods.Any(p => p.Name == name));
                owner.Pods.RemoveAll(p => p.Name == name);
                owner.Pods.Add(NewPod(owner.App, ready: false)); // its ReplicaSet replaces it
            }

            await ReplyAsync(context.Response, 200, new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Pod",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace, ["deletionTimestamp"] = DateTime.UtcNow.ToString("O") },
            });
        }
        else if (path.StartsWith(core + "services/", StringComparison.Ordinal) && http.HttpMethod is "GET" or "PATCH")
        {
            var name = path[(core + "services/").Length..];
            JsonObject service;
            lock (gate)
            {
                if (!Services.TryGetValue(name, out service!))
                {
                    _ = ReplyAsync(context.Response, 404, Status(404, "NotFound", $"services \"{name}\" not found"));
                    return;
                }

                if (http.HttpMethod == "PATCH")
                {
                    MergePatch(service, JsonNode.Parse(body)!.AsObject()); // for maps, a strategic merge patch merges the same way
                }

                service = service.DeepClone().AsObject();
            }

            await ReplyAsync(context.Response, 200, service);
        }
        else if (path.StartsWith(apps + "statefulsets/", StringComparison.Ordinal) && path.EndsWith("/scale", StringComparison.Ordinal)
            && http.HttpMethod == "PATCH")
        {
            var name = path[(apps + "statefulsets/").Length..^"/scale".Length];
            var replicas = JsonNode.Parse(body)!["spec"]!["replicas"]!.GetValue<int>();
            lock (gate)
            {
                StatefulSets[name] = replicas;
            }

            await ReplyAsync(context.Response, 200, new JsonObject
            {
                ["apiVersion"] = "autoscaling/v1", ["kind"] = "Scale", ["metadata"] = new JsonObject { ["name"] = name },
                    ["spec"] = new JsonObject { ["replicas"] = replicas },
            });
        }
        else
        {
            await ReplyAsync(context.Response, 404, Status(404, "NotFound", $"{http.HttpMethod} {path}"));
        }
    }

    /// <summary>As a cluster starts pods: every <see cref="ReadyEvery"/> one more waiting pod of each deployment becomes ready.</summary>
    private async Task BecomeReadyAsync()
    {
        while (server.Listening)
        {
            await Task.Delay(ReadyEvery);
            if (ReadyOnlyWhileWatched && Volatile.Read(ref watchers) == 0)
            {
                continue;
            }

            lock (gate)
            {
                foreach (var d in deployments.Values)
                {
                    var waiting = d.Pods.FindIndex(p => !p.Ready);
                    if (waiting >= 0)
                    {
                        d.Pods[waiting] = d.Pods[waiting] with { Ready = true };
                        resourceVersion++;
                    }
                }
            }
        }
    }

    /// <summary>A watch of one deployment: its state now, then an event each time it changes, until every pod is ready.</summary>
    private async Task WatchAsync(HttpListenerResponse response, string name)
    {
        Interlocked.Increment(ref watchers);
        try
        {
            await StreamWatchAsync(response, name);
        }
        finally
        {
            Interlocked.Decrement(ref watchers);
        }
    }

    private async Task StreamWatchAsync(HttpListenerResponse response, string name)
    {
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.SendChunked = true;
        await using var output = response.OutputStream;
        string? sent = null;
        while (true)
        {
            JsonObject deployment;
            bool more;
            lock (gate)
            {
                var d = deployments[name];
                deployment = Json(d);
                more = d.Pods.Any(p => !p.Ready);
            }

            var line = new JsonObject { ["type"] = "MODIFIED", ["object"] = deployment }.ToJsonString() + "\n";
            if (line != sent)
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(line));
                await output.FlushAsync();
                sent = line;
            }

            if (!more)
            {
                return; // the server ends the watch; a client that wants more opens another
            }

            await Task.Delay(10);
        }
    }

    private JsonObject Json(Deployment d)
    {
        var ready = d.Pods.Count(p => p.Ready);
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = d.Name, ["namespace"] = Namespace, ["generation"] = d.Generation,
                ["resourceVersion"] = resourceVersion.ToString() },
            ["spec"] = new JsonObject { ["replicas"] = d.Replicas, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = d.App } } },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = d.Generation, ["replicas"] = d.Pods.Count, ["readyReplicas"] = ready, ["updatedReplicas"] = d.Pods.Count,
                    ["availableReplicas"] = ready,
            },
        };
    }

    private static JsonObject Status(int code, string reason, string message) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = code < 300 ? "Success" : "Failure", ["reason"] = reason, ["message"] = message,
            ["code"] = code };

    private static Task ReplyAsync(HttpListenerResponse response, int status, JsonObject body) =>
        LoopbackHttp.ReplyAsync(response, status, "application/json", body.ToJsonString());

    private sealed record Pod(string Name, string Ip, bool Ready);

    private sealed class Deployment(string name, string app)
    {
        public string Name { get; } = name;

        public string App { get; } = app;

        public int Replicas { get; set; }

        public long Generation { get; set; } = 1;

        public List<Pod> Pods { get; } = [];
    }
}
