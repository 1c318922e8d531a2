using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Orchestrations.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Functions.Http;

/// <summary>
/// The operator API at function level (a function key in <c>x-functions-key</c>): the same handlers as
/// `dr serve`'s (<see cref="OperatorApi"/>, <see cref="ReportsApi"/>, <see cref="DrillsApi"/>), so the same request gets the same
/// status and JSON on both hosts. Each function only binds its route to a handler.
/// </summary>
public sealed class OperatorFunctions(IConfiguration configuration, ServingPrimaryStore servingPrimary, ReportsApi reports, DrillsApi drills, AlertsApi alerts,
    IncidentsApi incidents,
    ICallerIdentity caller)
{
    [Function("StartOrchestration")]
    public Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orchestrators/{name}")] HttpRequest request, string name,
            [DurableClient] DurableTaskClient client) =>
        Api(client).StartAsync(name, request);

    [Function("ListInstances")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "instances")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        Api(client).ListAsync(request);

    [Function("GetInstanceStatus")]
    public Task<IResult> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "instances/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient client) =>
        Api(client).StatusAsync(id, request);

    [Function("ApproveInstance")]
    public Task<IResult> Approve(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/approve")] HttpRequest request, string id,
            [DurableClient] DurableTaskClient client) =>
        Api(client).DecideAsync(id, approve: true, request);

    [Function("RejectInstance")]
    public Task<IResult> Reject(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/reject")] HttpRequest request, string id,
            [DurableClient] DurableTaskClient client) =>
        Api(client).DecideAsync(id, approve: false, request);

    [Function("RaiseInstanceEvent")]
    public Task<IResult> Raise(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/raiseEvent/{eventName}")] HttpRequest request, string id, string eventName,
        [DurableClient] DurableTaskClient client) =>
        Api(client).RaiseEventAsync(id, eventName, request);

    [Function("TerminateInstance")]
    public Task<IResult> Terminate(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "instances/{id}/terminate")] HttpRequest request, string id,
            [DurableClient] DurableTaskClient client) =>
        Api(client).TerminateAsync(id, request);

    [Function("ListRuns")]
    public Task<IResult> Runs([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs")] HttpRequest request) =>
        reports.RunsAsync(request);

    [Function("GetRun")]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{id}")] HttpRequest request, string id) =>
        reports.RunAsync(id, request);

    [Function("GetKpiReport")]
    public Task<IResult> Kpis([HttpTrigger(AuthorizationLevel.Function, "get", Route = "reports/kpis")] HttpRequest request) =>
        reports.KpisAsync(request);

    [Function("ListRunbooks")]
    public IResult Runbooks([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runbooks")] HttpRequest request) =>
        reports.Runbooks();

    [Function("ListDrills")]
    public Task<IResult> Drills([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drills")] HttpRequest request) =>
        drills.ListAsync(request);

    [Function("GetDrillReport")]
    public Task<IResult> DrillReport([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drills/{id}/report")] HttpRequest request, string id) =>
        drills.ReportAsync(id, request);

    [Function("ListIncidents")]
    public Task<IResult> Incidents([HttpTrigger(AuthorizationLevel.Function, "get", Route = "incidents")] HttpRequest request) => incidents.ListAsync(request);

    [Function("GetIncident")]
    public Task<IResult> Incident([HttpTrigger(AuthorizationLevel.Function, "get", Route = "incidents/{id}")] HttpRequest request, string id) =>
        incidents.GetAsync(id, request);

    [Function("ListAlerts")]
    public Task<IResult> Alerts([HttpTrigger(AuthorizationLevel.Function, "get", Route = "alerts")] HttpRequest request) => alerts.ListAsync(request);

    [Function("SilenceAlerts")]
    public Task<IResult> Silence([HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts/silences")] HttpRequest request) =>
        alerts.SilenceAsync(request);

    [Function("EndSilence")]
    public Task<IResult> Unsilence([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "alerts/silences/{id}")] HttpRequest request, string id) =>
        alerts.UnsilenceAsync(id, request);

    /// <summary>The durable client is bound per invocation, so the API over it is made per request (it holds no state).</summary>
    private OperatorApi Api(DurableTaskClient client) => new(client, new DurableClientHistoryJson(client), configuration, servingPrimary, caller);
}
