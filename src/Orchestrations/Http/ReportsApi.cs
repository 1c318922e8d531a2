using System.Globalization;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Reports;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>
/// Run records and the KPI report over HTTP, read from the object store (as `dr runs` does), so they answer the
/// same on both hosts. Routes (under <c>/api</c>): <c>GET runs[?runbook=&amp;days=]</c>, <c>GET runs/{id}</c>,
/// <c>GET reports/kpis[?days=]</c>, and the catalogue of runbooks with their policies, <c>GET runbooks</c>.
/// </summary>
public sealed class ReportsApi(RunRecordStore runs, TimeProvider clock, Microsoft.Extensions.Configuration.IConfiguration configuration)
{
    public IResult Runbooks() => ApiResults.Json(RunbookCatalog.Of(configuration), StatusCodes.Status200OK);

    /// <summary>As far back as run records are kept by default.</summary>
    private static readonly double MaxDays = RunRecordStore.DefaultKeep.TotalDays;

    public async Task<IResult> RunsAsync(HttpRequest request)
    {
        var runbook = request.Query["runbook"].ToString();
        if (runbook.Length > 0 && RunbookRegistry.Find(runbook) is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest,
                $"runbook: no runbook named '{runbook}' (known: {string.Join(", ", RunbookRegistry.All.Select(r => r.Name))})");
        }

        if (!TryDays(request, 7, out var days, out var problem))
        {
            return problem!;
        }

        var now = clock.GetUtcNow();
        var found = await runs.ListAsync(now.AddDays(-days), now, runbook.Length > 0 ? runbook : null, request.HttpContext.RequestAborted);
        return ApiResults.Json(found, StatusCodes.Status200OK);
    }

    public async Task<IResult> RunAsync(string id, HttpRequest request) =>
        await runs.FindAsync(id, request.HttpContext.RequestAborted) is { } run
            ? ApiResults.Json(run, StatusCodes.Status200OK)
            : ApiResults.Error(StatusCodes.Status404NotFound,
                $"no run record for '{id}' (a run is recorded when it ends: GET /api/instances/{id} shows one that goes on)");

    public async Task<IResult> KpisAsync(HttpRequest request)
    {
        if (!TryDays(request, 30, out var days, out var problem))
        {
            return problem!;
        }

        return ApiResults.Json(await KpiReportAsync(days, request.HttpContext.RequestAborted), StatusCodes.Status200OK);
    }

    /// <summary>The seed's KPIs over the last <paramref name="days"/>: what <c>GET reports/kpis</c>, `dr report` and the dashboard show.</summary>
    public async Task<KpiReport> KpiReportAsync(double days, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var from = now.AddDays(-days);
        var found = await runs.ListAsync(from, now, null, cancellationToken);
        var drills = await new Drills.DrillReports(runs.Store).ListAsync(cancellationToken);
        var readiness = DrillReadiness.Of(drills, RunbookRegistry.LoadSchedules(configuration), now);
        return KpiReport.Of(found, from, now, readiness);
    }

    private static bool TryDays(HttpRequest request, double fallback, out double days, out IResult? problem)
    {
        problem = null;
        days = fallback;
        var given = request.Query["days"].ToString();
        if (given.Length == 0)
        {
            return true;
        }

        if (double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out days) && days > 0 && days <= MaxDays)
        {
            return true;
        }

        problem = ApiResults.Error(StatusCodes.Status400BadRequest, $"days: '{given}' is not a number of days above 0 and at most {MaxDays:F0}");
        return false;
    }
}
