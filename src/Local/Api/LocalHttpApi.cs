using System.Security.Cryptography;
using System.Text;
using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Orchestrations.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CausalEval.Dr.Local.Api;

/// <summary>
/// The local HTTP API, on loopback: the operator API (<see cref="OperatorApi"/>, <see cref="ReportsApi"/>) the
/// Functions app serves too, at the same routes under <c>/api</c>, plus Durable Functions' instance webhook
/// paths (<c>/runtime/webhooks/durabletask/instances</c>) for scripts written against Functions. Every route
/// but /healthz and the dashboard's (/ui, its own sign-in) needs the bearer token (the Functions app uses function keys instead).
/// </summary>
public static class LocalHttpApi
{
    public const string InstancesPath = "/api/" + OperatorApi.InstancesRoute;

    /// <summary>Durable Functions' built-in webhook path, answered by the same handlers.</summary>
    public const string WebhookInstancesPath = "/runtime/webhooks/durabletask/instances";

    public static void Map(WebApplication app, string token)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.Use(async (http, next) =>
        {
            var given = Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString());
            // The dashboard (/ui) signs people in with a session cookie of its own (Ui.DashboardSignIn).
            if (http.Request.Path != "/healthz" && !http.Request.Path.StartsWithSegments("/ui") && !CryptographicOperations.FixedTimeEquals(given, expected))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await http.Response.WriteAsJsonAsync(new { error = "missing or wrong bearer token (see api-token in the state directory)" });
                return;
            }

            await next();
        });

        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapPost("/api/orchestrators/{name}", (string name, HttpRequest request, OperatorApi api) => api.StartAsync(name, request));
        MapInstances(app, InstancesPath);
        MapInstances(app, WebhookInstancesPath);
        app.MapGet("/api/runs", (HttpRequest request, ReportsApi api) => api.RunsAsync(request));
        app.MapGet("/api/runs/{id}", (string id, HttpRequest request, ReportsApi api) => api.RunAsync(id, request));
        app.MapGet("/api/reports/kpis", (HttpRequest request, ReportsApi api) => api.KpisAsync(request));
        app.MapGet("/api/runbooks", (ReportsApi api) => api.Runbooks());
        app.MapGet("/api/drills", (HttpRequest request, DrillsApi api) => api.ListAsync(request));
        app.MapGet("/api/alerts", (HttpRequest request, AlertsApi api) => api.ListAsync(request));
        app.MapPost("/api/alerts/silences", (HttpRequest request, AlertsApi api) => api.SilenceAsync(request));
        app.MapDelete("/api/alerts/silences/{id}", (string id, HttpRequest request, AlertsApi api) => api.UnsilenceAsync(id, request));
        app.MapGet("/api/incidents", (HttpRequest request, IncidentsApi api) => api.ListAsync(request));
        app.MapGet("/api/incidents/{id}", (string id, HttpRequest request, IncidentsApi api) => api.GetAsync(id, request));
        app.MapGet("/api/drills/{id}/report", (string id, HttpRequest request, DrillsApi api) => api.ReportAsync(id, request));
    }

    private static void MapInstances(IEndpointRouteBuilder app, string path)
    {
        app.MapGet(path, (HttpRequest request, OperatorApi api) => api.ListAsync(request));
        app.MapGet(path + "/{id}", (string id, HttpRequest request, OperatorApi api) => api.StatusAsync(id, request));
        app.MapPost(path + "/{id}/approve", (string id, HttpRequest request, OperatorApi api) => api.DecideAsync(id, approve: true, request));
        app.MapPost(path + "/{id}/reject", (string id, HttpRequest request, OperatorApi api) => api.DecideAsync(id, approve: false, request));
        app.MapPost(path + "/{id}/raiseEvent/{eventName}", (string id, string eventName, HttpRequest request, OperatorApi api)
            => api.RaiseEventAsync(id, eventName, request));
        app.MapPost(path + "/{id}/terminate", (string id, HttpRequest request, OperatorApi api) => api.TerminateAsync(id, request));
    }
}
