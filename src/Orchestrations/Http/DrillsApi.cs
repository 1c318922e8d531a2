using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Drills;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>
/// The drills' reports over HTTP, from the object store (both hosts): <c>GET drills</c> (newest first) and
/// <c>GET drills/{id}/report</c>, HTML when the caller accepts text/html, else JSON. Aborting is raising the run's
/// <c>Abort</c> event (<c>POST instances/{id}/raiseEvent/Abort</c>).
/// </summary>
public sealed class DrillsApi(IObjectStore store)
{
    public async Task<IResult> ListAsync(HttpRequest request) =>
        ApiResults.Json(await new DrillReports(store).ListAsync(request.HttpContext.RequestAborted), StatusCodes.Status200OK);

    public async Task<IResult> ReportAsync(string id, HttpRequest request)
    {
        if (DrIds.InstanceIdProblem(id) is { } problem)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, problem);
        }

        var reports = new DrillReports(store);
        var html = request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (html && await reports.FindHtmlAsync(id, request.HttpContext.RequestAborted) is { } page)
        {
            return Results.Content(page, "text/html; charset=utf-8");
        }

        return await reports.FindAsync(id, request.HttpContext.RequestAborted) is { } report
            ? ApiResults.Json(report, StatusCodes.Status200OK)
            : ApiResults.Error(StatusCodes.Status404NotFound, $"no report for drill '{id}' (a drill stores it when it ends)");
    }
}
