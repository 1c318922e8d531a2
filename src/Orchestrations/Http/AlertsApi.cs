using System.Text.Json;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Alerts;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Alerts;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>A silence asked for over the API: what `dr alerts silence` takes (<paramref name="For"/> as "hh:mm:ss").</summary>
public sealed record SilenceRequest(IReadOnlyList<string>? Matchers, TimeSpan For, string? By, string? Comment);

/// <summary>
/// <c>GET alerts</c> (both hosts): the alerts, silences, waiting notifications, deliveries and dead letters, from the alert state
/// store; <c>POST alerts/silences</c> and <c>DELETE alerts/silences/{id}</c> add and end silences, as `dr alerts silence` and
/// `unsilence` do (who silences is the signed-in caller where the host knows one).
/// </summary>
public sealed class AlertsApi(IObjectStore store, TimeProvider clock, ICallerIdentity caller)
{
    public async Task<IResult> ListAsync(HttpRequest request) =>
        ApiResults.Json(await AlertsView.ReadAsync(new AlertStore(store), clock.GetUtcNow(), request.HttpContext.RequestAborted), StatusCodes.Status200OK);

    public async Task<IResult> SilenceAsync(HttpRequest request)
    {
        var (body, problem) = await HttpRequests.ReadBodyAsync(request);
        if (problem is not null)
        {
            return problem;
        }

        Silence silence;
        try
        {
            var asked = RequestLimits.Parse(body)?.Deserialize<SilenceRequest>(DrJson.Strict)
                ?? throw new BadInputException("the body is empty: {\"matchers\": [...], \"for\": \"hh:mm:ss\", \"by\": ..., \"comment\": ...}");
            if (HttpRequests.Actor(caller, request, asked.By, "a silence", out var by) is { } refused)
            {
                return refused;
            }

            silence = Silence.Create(asked.Matchers, asked.For, by, asked.Comment, clock.GetUtcNow());
        }
        catch (Exception e) when (e is JsonException or BadInputException)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, e.Message);
        }

        await new AlertStore(store).AddSilenceAsync(silence, request.HttpContext.RequestAborted);
        return ApiResults.Json(silence, StatusCodes.Status201Created);
    }

    public async Task<IResult> UnsilenceAsync(string id, HttpRequest request)
    {
        if (HttpRequests.SignedIn(caller, request, out _) is { } unauthenticated)
        {
            return unauthenticated;
        }

        return await new AlertStore(store).ExpireSilenceAsync(id, clock.GetUtcNow(), request.HttpContext.RequestAborted) is { } ended
            ? ApiResults.Json(ended, StatusCodes.Status200OK)
            : ApiResults.Error(StatusCodes.Status404NotFound, $"no silence '{id}'");
    }
}
