using System.Text.Json.Nodes;
using System.Text.Json;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>
/// The operator HTTP API, written once: both hosts route to these handlers and send what they return, so
/// the same request meets the same checks, status codes and JSON on `dr serve` and on the Functions app.
/// Every bad request is refused before anything is scheduled or raised. Routes (under <c>/api</c>):
/// <list type="bullet">
/// <item><c>POST orchestrators/{name}[?instanceId=]</c>: start a runbook (202; 404 unknown name; 400 bad input; 409 id taken, a failover
/// already running (joined), or another move of the service running: <see cref="ServiceMoves"/>)</item>
/// <item><c>GET instances[?runtimeStatus=&amp;top=&amp;instanceIdPrefix=]</c>, <c>GET instances/{id}[?showHistory=true]</c></item>
/// <item><c>POST instances/{id}/approve</c> and <c>/reject</c> with <c>{"by", "reason", "step"?}</c>: 409 unless the run waits at a gate (that step); <c>POST
/// instances/{id}/raiseEvent/{event}</c>; <c>POST instances/{id}/terminate[?reason=]</c></item>
/// </list>
/// Run records and reports are in <see cref="ReportsApi"/>.
/// </summary>
public sealed class OperatorApi(DurableTaskClient client, IInstanceHistoryJson history, IConfiguration configuration, ServingPrimaryStore servingPrimary,
    ICallerIdentity caller)
{
    public const string InstancesRoute = "instances";

    private const int MaxTop = 1000;

    public async Task<IResult> StartAsync(string name, HttpRequest request)
    {
        var (body, problem) = await HttpRequests.ReadBodyAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        if (HttpRequests.SignedIn(caller, request, out var signedIn) is { } unauthenticated)
        {
            return unauthenticated;
        }

        var (start, status, error) = StartRequest.Check(name, body, configuration, signedIn);
        if (start is null)
        {
            return ApiResults.Error(status, error!);
        }

        var instanceId = request.Query["instanceId"].ToString();
        if (RunbookRegistry.InstanceIdProblem(start.Runbook, instanceId.Length > 0 ? instanceId : null) is { } bad)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"instanceId: {bad}");
        }

        var starter = new DurableClientInstanceStarter(client);
        // A failover is an emergency: a drill does not hold it up (the drill sees it and stops, leaving it alone).
        var failover = start.Runbook.Start == StartPolicy.JoinRunning;
        if (ServiceMoves.IsMove(start.Name, start.Input)
            && await ServiceMoves.RunningAsync(client, drillsYield: failover, request.HttpContext.RequestAborted) is { } moving
            && !(moving.Name == start.Name && failover))
        {
            // One move of the service at a time (a failover request while a failover runs joins it, below).
            var busy = CheckStatusLinks(request, moving.InstanceId);
            busy["error"] = $"a {moving.Name} is already running ({moving.InstanceId}): one failover, switchover, failback, reprotect, region recovery or " +
                $"database recovery in place at a time";
            busy["running"] = moving.Name;
            return ApiResults.Json(busy, StatusCodes.Status409Conflict);
        }

        if (start.Runbook.Start == StartPolicy.JoinRunning)
        {
            // Never two: a running failover is joined (409 with its id), else the id comes from the DR state.
            var started = await FailoverInstance.StartAsync(starter, servingPrimary, start.Name, start.Version, start.Input!,
                request.HttpContext.RequestAborted);
            var links = CheckStatusLinks(request, started.InstanceId);
            if (started.Joined)
            {
                links["error"] = $"a failover is already running: {started.InstanceId}";
                links["joined"] = true;
                return ApiResults.Json(links, StatusCodes.Status409Conflict);
            }

            return ApiResults.Json(links, StatusCodes.Status202Accepted);
        }

        if (start.Runbook.Start == StartPolicy.FixedId)
        {
            instanceId = start.Runbook.ReservedId!; // a singleton: its id is fixed
        }
        else if (instanceId.Length == 0)
        {
            instanceId = Guid.NewGuid().ToString("N");
        }

        // The version travels with the instance: activities inherit it, and the runbook branches on it.
        if (!await starter.TryStartAsync(start.Name, start.Version, instanceId, start.Input, request.HttpContext.RequestAborted))
        {
            return ApiResults.Error(StatusCodes.Status409Conflict, $"instance '{instanceId}' already exists");
        }

        return ApiResults.Json(CheckStatusLinks(request, instanceId), StatusCodes.Status202Accepted);
    }

    public async Task<IResult> StatusAsync(string id, HttpRequest request)
    {
        if (!TryFlag(request, "showHistory", out var showHistory, out var bad))
        {
            return bad!;
        }

        if (await client.GetInstanceAsync(id, getInputsAndOutputs: true, request.HttpContext.RequestAborted) is not { } instance)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, $"no instance '{id}'");
        }

        var json = InstanceStatusShape.Json(InstanceSnapshot.From(instance));
        if (showHistory && await history.ReadAsync(id, request.HttpContext.RequestAborted) is { } events)
        {
            json["historyEvents"] = InstanceHistoryShape.History(events);
        }

        return ApiResults.Json(json, InstanceStatusShape.HttpStatus(instance.RuntimeStatus.ToString()));
    }

    public async Task<IResult> ListAsync(HttpRequest request)
    {
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var s in request.Query["runtimeStatus"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(s, ignoreCase: true, out var parsed) || int.TryParse(s, out _))
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest,
                    $"runtimeStatus: unknown status '{s}' (known: {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())})");
            }

            statuses.Add(parsed);
        }

        var top = 100;
        if (request.Query["top"].ToString() is { Length: > 0 } given && (!int.TryParse(given, out top) || top < 1 || top > MaxTop))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"top: '{given}' is not a whole number from 1 to {MaxTop}");
        }

        var query = new OrchestrationQuery
        {
            Statuses = statuses.Count == 0 ? null : statuses,
            InstanceIdPrefix = request.Query["instanceIdPrefix"].ToString() is { Length: > 0 } prefix ? prefix : null,
            PageSize = top,
            FetchInputsAndOutputs = false,
        };
        var found = new JsonArray();
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(request.HttpContext.RequestAborted))
        {
            found.Add(InstanceStatusShape.Json(InstanceSnapshot.From(instance)));
            if (found.Count == top)
            {
                break;
            }
        }

        return ApiResults.Json(found, StatusCodes.Status200OK);
    }

    /// <summary>`approve` / `reject`: the decision for a runbook waiting at its approval gate, with who took it (required) and why.</summary>
    public async Task<IResult> DecideAsync(string id, bool approve, HttpRequest request)
    {
        var (body, problem) = await HttpRequests.ReadBodyAsync(request);
        return problem ?? await DecideAsync(id, approve, body, request);
    }

    /// <summary>
    /// Every decision goes through here, whether sent by the approve/reject routes or as a raised Approve/Reject event:
    /// who decides is required (the authenticated caller, where the host knows one), and the run must wait at a gate.
    /// </summary>
    private async Task<IResult> DecideAsync(string id, bool approve, string? body, HttpRequest request)
    {
        ApprovalDecision? decision;
        try
        {
            decision = RequestLimits.Parse(body) is { } json ? json.Deserialize<ApprovalDecision>(DrJson.Strict) : new ApprovalDecision();
        }
        catch (Exception e) when (e is JsonException or BadInputException)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"the decision is not {{\"by\": ..., \"reason\": ..., \"step\": ...}}: {e.Message}");
        }

        return await DecideAsync(id, approve, decision, request);
    }

    /// <summary>A decision already read (the dashboard's form, its person the one signed in there): the same checks as one sent as JSON.</summary>
    public async Task<IResult> DecideAsync(string id, bool approve, ApprovalDecision? decision, HttpRequest request)
    {
        if (HttpRequests.Actor(caller, request, decision?.By, "a decision", out var by) is { } refused)
        {
            return refused;
        }

        if (by != decision?.By)
        {
            decision = (decision ?? new ApprovalDecision()) with { By = by }; // the signed-in caller, where the host knows one
        }

        if (ApprovalDecision.Problem(decision) is { } bad)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, bad);
        }

        var decided = decision!;

        // One read: whether it runs, and (its custom status) whether a gate waits.
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, request.HttpContext.RequestAborted);
        if (NotRunning(id, instance) is { } problem)
        {
            return problem;
        }

        // Only a gate that waits takes a decision, and only the one the person saw: the event names its step,
        // so a second click after the run moved on to another gate decides nothing there.
        var status = RunbookStatus.Of(instance!.SerializedCustomStatus); // not a runbook's status: it has no gate
        if (status is not { AwaitingDecision: true } || (decided.Step is { } seen && seen != status.Index))
        {
            var where = status is null ? "it has not reported a step yet"
                : $"it is at step {status.Index} '{status.Step}'{(status.AwaitingDecision ? ", a gate" : "")}";
            var error = decided.Step is { } asked && status is { AwaitingDecision: true }
                ? $"instance '{id}' waits at step {status.Index} '{status.Step}', not at step {asked}: nothing decided"
                : $"instance '{id}' is not waiting at an approval gate: {where}";
            return ApiResults.Error(StatusCodes.Status409Conflict, error);
        }

        return await RaiseAsync(id, approve ? ApprovalEvents.Approve : ApprovalEvents.Reject, decided with { Step = status.Index }, request);
    }

    public async Task<IResult> RaiseEventAsync(string id, string eventName, HttpRequest request)
    {
        var (body, problem) = await HttpRequests.ReadBodyAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        // A decision reaches a gate only through the decision's checks, whichever route sends it.
        if (ApprovalEvents.Of(eventName) is { } approve)
        {
            return await DecideAsync(id, approve, body, request);
        }

        JsonNode? payload;
        try
        {
            payload = RequestLimits.Parse(body);
        }
        catch (BadInputException e)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"event data: {e.Message}");
        }

        if (NotRunning(id, await client.GetInstanceAsync(id, getInputsAndOutputs: false, request.HttpContext.RequestAborted)) is { } gone)
        {
            return gone;
        }

        return await RaiseAsync(id, eventName, payload, request);
    }

    public async Task<IResult> TerminateAsync(string id, HttpRequest request)
    {
        if (NotRunning(id, await client.GetInstanceAsync(id, getInputsAndOutputs: false, request.HttpContext.RequestAborted)) is { } problem)
        {
            return problem;
        }

        var reason = request.Query["reason"].ToString() is { Length: > 0 } given ? given : "terminated through the API";
        await client.TerminateInstanceAsync(id, reason, request.HttpContext.RequestAborted);
        return ApiResults.Json(new JsonObject { ["id"] = id, ["terminated"] = true, ["reason"] = reason }, StatusCodes.Status202Accepted);
    }

    private async Task<IResult> RaiseAsync(string id, string eventName, object? payload, HttpRequest request)
    {
        await client.RaiseEventAsync(id, eventName, payload, request.HttpContext.RequestAborted);
        return ApiResults.Json(new JsonObject { ["id"] = id, ["event"] = eventName }, StatusCodes.Status202Accepted);
    }

    /// <summary>404 for an unknown instance, 410 for a finished one (Durable Functions' codes); null when it can take events.</summary>
    private static IResult? NotRunning(string id, OrchestrationMetadata? instance) => instance switch
    {
        null => ApiResults.Error(StatusCodes.Status404NotFound, $"no instance '{id}'"),
        { IsCompleted: true } => ApiResults.Error(StatusCodes.Status410Gone, $"instance '{id}' already ended ({instance.RuntimeStatus})"),
        _ => null,
    };

    /// <summary>Links to this API's own routes, on whichever host answered (function keys go in a header, never in a link).</summary>
    private static JsonObject CheckStatusLinks(HttpRequest request, string instanceId)
    {
        var baseUri = $"{request.Scheme}://{request.Host}{request.PathBase}/api/{InstancesRoute}/{Uri.EscapeDataString(instanceId)}";
        return new JsonObject
        {
            ["id"] = instanceId,
            ["statusQueryGetUri"] = baseUri,
            ["sendEventPostUri"] = baseUri + "/raiseEvent/{eventName}",
            ["approvePostUri"] = baseUri + "/approve",
            ["rejectPostUri"] = baseUri + "/reject",
            ["terminatePostUri"] = baseUri + "/terminate?reason={text}",
        };
    }

    private static bool TryFlag(HttpRequest request, string name, out bool value, out IResult? problem)
    {
        problem = null;
        value = false;
        var given = request.Query[name].ToString();
        if (given.Length == 0 || bool.TryParse(given, out value))
        {
            return true;
        }

        problem = ApiResults.Error(StatusCodes.Status400BadRequest, $"{name}: '{given}' is not true or false");
        return false;
    }
}
