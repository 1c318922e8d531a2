using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Alerts;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary><c>GET alerts</c> (both hosts): the alerts, silences, waiting notifications, deliveries and dead letters, from the alert state store.</summary>
public sealed class AlertsApi(IObjectStore store, TimeProvider clock)
{
    public async Task<IResult> ListAsync(HttpRequest request) =>
        ApiResults.Json(await AlertsView.ReadAsync(new AlertStore(store), clock.GetUtcNow(), request.HttpContext.RequestAborted), StatusCodes.Status200OK);
}
