using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Orchestrations.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Local.Ui;

/// <summary>The dashboard under <c>/ui</c>: server-rendered pages over the same stores the API reads, behind <see cref="DashboardSignIn"/>.</summary>
public static class DashboardRoutes
{
    public static void Map(WebApplication app, string operatorToken, string readerToken)
    {
        DashboardSignIn.Map(app, operatorToken, readerToken);
        app.MapGet("/ui/runs", (HttpContext http, RunRecordStore runs, DurableTaskClient client, TimeProvider clock) =>
            RunsPage.RenderAsync(http, runs, client, clock));
        app.MapGet("/ui/runs/{id}", (string id, HttpContext http, RunRecordStore runs) => RunPage.RenderAsync(id, http, runs));
        app.MapGet("/ui/kpis", (HttpContext http, ReportsApi reports) => KpiPage.RenderAsync(http, reports));
        app.MapGet("/ui/instances/{id}", (string id, HttpContext http, DurableTaskClient client, RunRecordStore runs) =>
            InstancePage.RenderAsync(id, http, client, runs));
        app.MapPost("/ui/instances/{id}/approve", (string id, HttpContext http, OperatorApi api) => InstancePage.DecideAsync(id, approve: true, http, api));
        app.MapPost("/ui/instances/{id}/reject", (string id, HttpContext http, OperatorApi api) => InstancePage.DecideAsync(id, approve: false, http, api));
    }
}
