using CausalEval.Dr.Adapters.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Local.Ui;

/// <summary>The dashboard under <c>/ui</c>: server-rendered pages over the same stores the API reads, behind <see cref="DashboardSignIn"/>.</summary>
public static class DashboardRoutes
{
    public static void Map(WebApplication app, string operatorToken, string readerToken)
    {
        DashboardSignIn.Map(app, operatorToken, readerToken);
        app.MapGet("/ui/runs", (HttpContext http, RunRecordStore runs, TimeProvider clock) => RunsPage.RenderAsync(http, runs, clock));
        app.MapGet("/ui/runs/{id}", (string id, HttpContext http, RunRecordStore runs) => RunPage.RenderAsync(id, http, runs));
    }
}
