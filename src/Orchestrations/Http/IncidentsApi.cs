using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Incidents;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>
/// The incidents over HTTP, from the store (both hosts): <c>GET incidents</c> (newest first) and <c>GET incidents/{id}</c>,
/// HTML when the caller accepts text/html, else JSON. Ticking is raising the run's <c>Incident</c> event
/// (<c>POST instances/{id}/raiseEvent/Incident</c> with <c>{"action": "tick", "item": …, "by": …}</c>).
/// </summary>
public sealed class IncidentsApi(IObjectStore store, TimeProvider clock)
{
    public async Task<IResult> ListAsync(HttpRequest request) =>
        ApiResults.Json(await new IncidentStore(store).ListAsync(request.HttpContext.RequestAborted), StatusCodes.Status200OK);

    public async Task<IResult> GetAsync(string id, HttpRequest request)
    {
        if (DrIds.InstanceIdProblem(id) is { } problem)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, problem);
        }

        if (await new IncidentStore(store).FindAsync(id, request.HttpContext.RequestAborted) is not { } incident)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, $"no incident '{id}'");
        }

        return request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            ? Results.Content(IncidentHtml.Render(incident, clock.GetUtcNow().UtcDateTime), "text/html; charset=utf-8")
            : ApiResults.Json(incident, StatusCodes.Status200OK);
    }
}
