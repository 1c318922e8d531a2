using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// A loopback stand-in for the Azure Chaos Studio part of ARM (which cannot run here), answering as the real one does:
/// POST {experiment}/start and /cancel answer 202 with a Location and no body; GET {experiment}/executions lists runs
/// newest first, one per page with a nextLink (so paging is exercised); GET {experiment}/executions/{id} answers one.
/// A started run is PreProcessingQueued, then Running after <see cref="PollsToRun"/> reads of it; a cancelled one is
/// Cancelling, then Cancelled after <see cref="PollsToCancel"/>. A request without the expected bearer token, api-version
/// or an empty POST body is refused as ARM refuses it. Tests queue errors first (<see cref="Errors"/>) and read every
/// request it got.
/// </summary>
public sealed class FakeChaosStudio : IDisposable
{
    public const string Token = "test-arm-token";
    public const string ApiVersion = "2025-01-01";

    private readonly LoopbackHttp server;
    private readonly ConcurrentDictionary<string, List<Run>> runs = new(StringComparer.OrdinalIgnoreCase);
    private readonly object gate = new();
    private bool failNext;

    public FakeChaosStudio() => server = new LoopbackHttp(AnswerAsync);

    public sealed record Request(string Method, string Path, string Query, string? Authorization, long BodyLength);

    public string Endpoint => server.Endpoint;

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Answers to give before any real one: (status, Retry-After seconds or null, ARM error code).</summary>
    public ConcurrentQueue<(int Status, int? RetryAfter, string Code)> Errors { get; } = new();

    public int PollsToRun { get; set; } = 2;

    public int PollsToCancel { get; set; } = 2;

    /// <summary>A run a test puts in place (one going before the drill, or an old finished one).</summary>
    public string AddRun(string experiment, string status, DateTimeOffset startedAt)
    {
        var run = new Run(Guid.NewGuid().ToString(), startedAt) { Status = status };
        lock (gate)
        {
            runs.GetOrAdd(experiment, _ => []).Add(run);
        }

        return run.Id;
    }

    /// <summary>Makes a run fail the next time it is read (its fault could not be applied).</summary>
    public void FailNextStarted() => failNext = true;

    public IReadOnlyList<string> StatusesOf(string experiment)
    {
        lock (gate)
        {
            return runs.GetValueOrDefault(experiment, []).Select(r => r.Status).ToList();
        }
    }

    public int Count(string method, string pathSuffix) => Requests.Count(r => r.Method == method && r.Path.EndsWith(pathSuffix, StringComparison.Ordinal));

    public void Dispose() => server.Dispose();

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        using (var body = new MemoryStream())
        {
            await request.InputStream.CopyToAsync(body);
            Requests.Enqueue(new Request(request.HttpMethod, path, request.Url.Query, request.Headers["Authorization"], body.Length));
            if (request.Headers["Authorization"] != $"Bearer {Token}")
            {
                await ErrorAsync(context.Response, 401, "AuthenticationFailed", "no valid bearer token");
                return;
            }

            if (request.QueryString["api-version"] != ApiVersion)
            {
                await ErrorAsync(context.Response, 400, "InvalidApiVersionParameter", $"api-version '{request.QueryString["api-version"]}' is not supported");
                return;
            }

            if (request.HttpMethod == "POST" && body.Length != 0)
            {
                await ErrorAsync(context.Response, 400, "InvalidRequestContent", "this action takes no body");
                return;
            }
        }

        if (Errors.TryDequeue(out var error))
        {
            if (error.RetryAfter is { } seconds)
            {
                context.Response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await ErrorAsync(context.Response, error.Status, error.Code, $"fake {error.Code}");
            return;
        }

        var parts = path.Split("/executions", 2);
        var experiment = parts[0];
        if (request.HttpMethod == "POST" && path.EndsWith("/start", StringComparison.Ordinal))
        {
            experiment = path[..^"/start".Length];
            bool running;
            lock (gate)
            {
                var list = runs.GetOrAdd(experiment, _ => []);
                running = list.Any(r => !Final(r.Status));
                if (!running)
                {
                    list.Add(new Run(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow) { Status = "PreProcessingQueued", FailWhenRead = failNext });
                    failNext = false;
                }
            }

            await (running ? ErrorAsync(context.Response, 409, "ExperimentAlreadyRunning", "the experiment is running") : AcceptedAsync(context.Response));
            return;
        }

        if (request.HttpMethod == "POST" && path.EndsWith("/cancel", StringComparison.Ordinal))
        {
            experiment = path[..^"/cancel".Length];
            lock (gate)
            {
                foreach (var run in runs.GetValueOrDefault(experiment, []).Where(r => !Final(r.Status)))
                {
                    (run.Status, run.Reads) = ("Cancelling", 0);
                }
            }

            await AcceptedAsync(context.Response);
            return;
        }

        if (request.HttpMethod == "GET" && parts.Length == 2)
        {
            JsonNode? answer;
            lock (gate)
            {
                var list = runs.GetValueOrDefault(experiment, []).OrderByDescending(r => r.StartedAt).ToList();
                if (parts[1].Length > 1)
                {
                    var run = list.FirstOrDefault(r => r.Id == parts[1].TrimStart('/'));
                    if (run is not null)
                    {
                        Advance(run);
                    }

                    answer = run is null ? null : Json(experiment, run);
                }
                else
                {
                    // One run per page: the client must follow nextLink.
                    var page = int.TryParse(request.QueryString["page"], out var p) ? p : 0;
                    var value = new JsonArray(list.Skip(page).Take(1).Select(r => Json(experiment, r)).ToArray<JsonNode?>());
                    answer = new JsonObject { ["value"] = value };
                    if (page + 1 < list.Count)
                    {
                        answer["nextLink"] = $"{Endpoint}{experiment}/executions?api-version={ApiVersion}&page={page + 1}";
                    }
                }
            }

            await (answer is null
                ? ErrorAsync(context.Response, 404, "ResourceNotFound", $"execution {parts[1].TrimStart('/')} not found")
                : LoopbackHttp.ReplyAsync(context.Response, 200, "application/json", answer.ToJsonString()));
            return;
        }

        await ErrorAsync(context.Response, 404, "NotFound", $"{request.HttpMethod} {path}");
    }

    private void Advance(Run run)
    {
        run.Reads++;
        if (run.Status == "PreProcessingQueued" && run.FailWhenRead)
        {
            (run.Status, run.StoppedAt) = ("failed", DateTimeOffset.UtcNow);
        }
        else if (run.Status == "PreProcessingQueued" && run.Reads >= PollsToRun)
        {
            run.Status = "Running";
        }
        else if (run.Status == "Cancelling" && run.Reads >= PollsToCancel)
        {
            (run.Status, run.StoppedAt) = ("Cancelled", DateTimeOffset.UtcNow);
        }
    }

    private static bool Final(string status) => status.ToLowerInvariant() is "success" or "failed" or "cancelled" or "canceled";

    private static JsonObject Json(string experiment, Run run) => new()
    {
        ["name"] = run.Id,
        ["type"] = "Microsoft.Chaos/experiments/executions",
        ["id"] = $"{experiment}/executions/{run.Id}",
        ["properties"] = new JsonObject
        {
            ["status"] = run.Status,
            ["startedAt"] = run.StartedAt.ToString("O"),
            ["stoppedAt"] = run.StoppedAt?.ToString("O"),
        },
    };

    private Task AcceptedAsync(HttpListenerResponse response)
    {
        response.Headers["Location"] = $"{Endpoint}/subscriptions/x/providers/Microsoft.Chaos/locations/eastus/operationResults/{Guid.NewGuid()}";
        response.Headers["Retry-After"] = "1";
        response.StatusCode = 202;
        response.ContentLength64 = 0;
        response.Close();
        return Task.CompletedTask;
    }

    private static Task ErrorAsync(HttpListenerResponse response, int status, string code, string message) =>
        LoopbackHttp.ReplyAsync(response, status, "application/json",
            JsonSerializer.Serialize(new { error = new { code, message } }));

    private sealed class Run(string id, DateTimeOffset startedAt)
    {
        public string Id { get; } = id;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public string Status { get; set; } = "";

        public DateTimeOffset? StoppedAt { get; set; }

        public int Reads { get; set; }

        public bool FailWhenRead { get; init; }
    }
}
