using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CausalEval.Dr.Agent.Jobs;
using CausalEval.Dr.Agent.Postgres;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Agent;

/// <summary>
/// The agent's HTTP API. Every route needs the bearer token. Each call is idempotent and answers with the
/// node's (or the job's) current state; a bad request is a 4xx naming the problem and changes nothing.
/// <code>
/// GET  /status                 role, timeline, LSNs, replication and lag, fenced or not
/// POST /fence   {reason, by}   marker first, then SIGKILL to the server's process group
/// POST /unfence                removes the marker (starts nothing)
/// POST /start, /stop           the server (a fenced node starts read-only)
/// POST /promote                returns once the node accepts writes; 409 when fenced or down
/// POST /demote  {primaryHost, primaryPort, applicationName}   re-join as a standby of that primary
/// POST /stand-down {reason, by}  switchover: checkpoint, fence marker, fast shutdown; answers the demotion token
/// PUT  /jobs/{id} {kind, ...}  start long work (restore, reseed: 202), or the job with that id (200)
/// POST /jobs/{id}/check {kind, ...}  what PUT would refuse, refused the same way (4xx); 200 when it could start: starts nothing
/// GET  /jobs/{id}[?waitSeconds=N] its state and progress (with N: once it is no longer running, or after N s); 404 if unknown
/// </code>
/// </summary>
public static class NodeAgentApi
{
    public static void Map(WebApplication app, string token)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.Use(async (http, next) =>
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString()), expected))
            {
                await Write(http, StatusCodes.Status401Unauthorized, new { error = "missing or wrong bearer token" });
                return;
            }

            try
            {
                await next();
            }
            catch (Exception e) when (e is DrException or JsonException or ArgumentException)
            {
                var status = e is JsonException ? StatusCodes.Status400BadRequest : ErrorKinds.HttpStatus(ErrorKinds.Of(e));
                await Write(http, status,
                    new { error = e is JsonException ? $"request body is not valid: {e.Message}" : e.Message, kind = ErrorKinds.Name(ErrorKinds.Of(e)) });
            }
        });

        app.MapGet("/status", (PostgresNode node, CancellationToken ct) => node.StatusAsync(ct));
        app.MapPost("/fence", async (HttpRequest request, PostgresNode node, CancellationToken ct) =>
            await node.FenceAsync(await BodyAsync<FenceRequest>(request, optional: true) ?? new FenceRequest(), ct));
        app.MapPost("/unfence", (PostgresNode node, CancellationToken ct) => node.UnfenceAsync(ct));
        app.MapPost("/start", (PostgresNode node, CancellationToken ct) => node.StartAsync(ct));
        app.MapPost("/stop", (string? mode, PostgresNode node, CancellationToken ct) => node.StopAsync(mode ?? "fast", ct));
        app.MapPost("/promote", (PostgresNode node, CancellationToken ct) => node.PromoteAsync(ct));
        app.MapPost("/demote", async (HttpRequest request, PostgresNode node, CancellationToken ct) =>
            await node.DemoteAsync((await BodyAsync<DemoteRequest>(request, optional: false))!, ct));
        app.MapPost("/stand-down", async (HttpRequest request, PostgresNode node, CancellationToken ct) =>
            await node.StandDownAsync(await BodyAsync<FenceRequest>(request, optional: true) ?? new FenceRequest(), ct));
        app.MapPut("/jobs/{id}", async (string id, HttpRequest request, AgentJobs jobs, CancellationToken ct) =>
        {
            var (job, started) = await jobs.StartAsync(id, (await BodyAsync<AgentJobRequest>(request, optional: false))!, ct);
            return Results.Json(job, DrJson.Options, statusCode: started ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
        });
        app.MapPost("/jobs/{id}/check", async (string id, HttpRequest request, AgentJobs jobs, CancellationToken ct) =>
            Results.Json(await jobs.CheckAsync(id, (await BodyAsync<AgentJobRequest>(request, optional: false))!, ct), DrJson.Options));
        app.MapGet("/jobs/{id}", async (string id, int? waitSeconds, AgentJobs jobs, CancellationToken ct) =>
            await jobs.WaitAsync(id, TimeSpan.FromSeconds(Math.Clamp(waitSeconds ?? 0, 0, 30)), ct) is { } job
                ? Results.Json(job, DrJson.Options)
                : Results.Json(new { error = $"no job '{id}'" }, statusCode: StatusCodes.Status404NotFound));
    }

    /// <summary>
    /// The body as <typeparamref name="T"/>: within the request limits (Kestrel refuses a body over 1 MiB with 413), and a
    /// field <typeparamref name="T"/> does not have is refused by name, never ignored.
    /// </summary>
    private static async Task<T?> BodyAsync<T>(HttpRequest request, bool optional)
    {
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        if (Core.Requests.RequestLimits.Parse(body) is not { } json)
        {
            return optional ? default : throw new BadInputException($"a {typeof(T).Name} body is required");
        }

        return json.Deserialize<T>(DrJson.Strict) ?? throw new BadInputException($"a {typeof(T).Name} body is required");
    }

    private static async Task Write(HttpContext http, int status, object body)
    {
        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(body, DrJson.Options);
    }
}
