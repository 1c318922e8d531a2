using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Activities.Failover;
using CausalEval.Dr.Activities.Instances;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Monitor;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CausalEval.Dr.Local.Api;

/// <summary>
/// The local HTTP API, on loopback, shaped like Durable Functions': a starter at
/// <c>POST /api/orchestrators/{name}</c> and the instance endpoints under
/// <c>/runtime/webhooks/durabletask/instances</c>. Every route but /healthz needs the bearer token.
/// </summary>
public static class LocalHttpApi
{
    public const string InstancesPath = "/runtime/webhooks/durabletask/instances";

    public static void Map(WebApplication app, string token)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.Use(async (http, next) =>
        {
            var given = Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString());
            if (http.Request.Path != "/healthz" && !CryptographicOperations.FixedTimeEquals(given, expected))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await http.Response.WriteAsJsonAsync(new { error = "missing or wrong bearer token (see api-token in the state directory)" });
                return;
            }

            await next();
        });

        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapPost("/api/orchestrators/{name}", StartAsync);
        app.MapGet(InstancesPath, ListAsync);
        app.MapGet(InstancesPath + "/{id}", StatusAsync);
        app.MapPost(InstancesPath + "/{id}/raiseEvent/{eventName}", RaiseEventAsync);
        app.MapPost(InstancesPath + "/{id}/terminate", TerminateAsync);
    }

    private static async Task<IResult> StartAsync(string name, HttpRequest request, LocalTaskHub hub, IConfiguration configuration, IServiceProvider services)
    {
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var (start, status, error) = StartRequest.Check(name, body, configuration);
        if (start is null)
        {
            return Error(status, error!);
        }

        if (start.Runbook.Orchestrator == typeof(Failover))
        {
            // Never two: a running failover is joined (409 with its id), else the id comes from the DR state.
            var started = await FailoverInstance.StartAsync(services.GetRequiredService<IInstanceStarter>(), services.GetRequiredService<ServingPrimaryStore>(), start.Version, start.Input!);
            var failover = CheckStatusLinks(request, started.InstanceId);
            if (started.Joined)
            {
                failover["error"] = $"a failover is already running: {started.InstanceId}";
                failover["joined"] = true;
                return Results.Json(failover, statusCode: StatusCodes.Status409Conflict);
            }

            return Results.Json(failover, statusCode: StatusCodes.Status202Accepted);
        }

        var instanceId = start.Runbook.Orchestrator == typeof(HealthMonitor) ? HealthMonitor.InstanceId
            : request.Query["instanceId"].FirstOrDefault() ?? Guid.NewGuid().ToString("N");
        try
        {
            // The version travels with the instance: activities inherit it, and the runbook branches on it.
            await hub.Client.CreateOrchestrationInstanceAsync(start.Name, start.Version, instanceId, start.Input, null, DedupeAll);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return Error(StatusCodes.Status409Conflict, $"instance '{instanceId}' already exists");
        }

        var links = CheckStatusLinks(request, instanceId);
        return Results.Json(links, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> StatusAsync(string id, bool? showHistory, LocalTaskHub hub)
    {
        var state = await hub.Client.GetOrchestrationStateAsync(id);
        if (state is null)
        {
            return Error(StatusCodes.Status404NotFound, $"no instance '{id}'");
        }

        JsonArray? history = null;
        if (showHistory == true)
        {
            history = InstanceStatusJson.History(await hub.Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance));
        }

        return Results.Json(InstanceStatusJson.From(state, history), statusCode: InstanceStatusShape.HttpStatus(state.OrchestrationStatus.ToString()));
    }

    private static async Task<IResult> ListAsync(string? runtimeStatus, int? top, string? instanceIdPrefix, LocalTaskHub hub)
    {
        var condition = new OrchestrationInstanceStatusQueryCondition { InstanceIdPrefix = instanceIdPrefix, FetchInput = false, FetchOutput = false };
        if (!string.IsNullOrEmpty(runtimeStatus))
        {
            var statuses = new List<OrchestrationStatus>();
            foreach (var s in runtimeStatus.Split(','))
            {
                if (!Enum.TryParse<OrchestrationStatus>(s, ignoreCase: true, out var parsed))
                {
                    return Error(StatusCodes.Status400BadRequest, $"runtimeStatus: unknown status '{s}'");
                }

                statuses.Add(parsed);
            }

            condition.RuntimeStatus = statuses;
        }

        var page = await hub.Service.GetOrchestrationStateAsync(condition, top ?? 100, continuationToken: null);
        return Results.Json(page.OrchestrationState.Select(s => InstanceStatusJson.From(s)).ToList());
    }

    private static async Task<IResult> RaiseEventAsync(string id, string eventName, HttpRequest request, LocalTaskHub hub)
    {
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        JsonNode? payload;
        try
        {
            payload = string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, $"event data is not JSON: {e.Message}");
        }

        if (await RunningInstanceAsync(hub, id) is { } problem)
        {
            return problem;
        }

        await hub.Client.RaiseEventAsync(new OrchestrationInstance { InstanceId = id }, eventName, payload!);
        return Results.Accepted();
    }

    private static async Task<IResult> TerminateAsync(string id, string? reason, LocalTaskHub hub)
    {
        if (await RunningInstanceAsync(hub, id) is { } problem)
        {
            return problem;
        }

        await hub.Client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = id }, reason ?? "terminated through the local API");
        return Results.Accepted();
    }

    /// <summary>404 for an unknown instance, 410 for a finished one (DF's codes); null when it can take events.</summary>
    private static async Task<IResult?> RunningInstanceAsync(LocalTaskHub hub, string id)
    {
        var state = await hub.Client.GetOrchestrationStateAsync(id);
        return state?.OrchestrationStatus switch
        {
            null => Error(StatusCodes.Status404NotFound, $"no instance '{id}'"),
            OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled =>
                Error(StatusCodes.Status410Gone, $"instance '{id}' already ended ({state.OrchestrationStatus})"),
            _ => null,
        };
    }

    private static readonly OrchestrationStatus[] DedupeAll = Enum.GetValues<OrchestrationStatus>();

    private static JsonObject CheckStatusLinks(HttpRequest request, string instanceId)
    {
        var baseUri = $"{request.Scheme}://{request.Host}{InstancesPath}/{Uri.EscapeDataString(instanceId)}";
        return new JsonObject
        {
            ["id"] = instanceId,
            ["statusQueryGetUri"] = baseUri,
            ["sendEventPostUri"] = baseUri + "/raiseEvent/{eventName}",
            ["terminatePostUri"] = baseUri + "/terminate?reason={text}",
        };
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
