using System.Net;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Activities.Failover;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Functions.Tasks;
using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Monitor;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Functions.Http;

/// <summary>
/// The HTTP starter and a status endpoint, with the same routes, input checks (<see cref="StartRequest"/>)
/// and status codes as the local API. Function-level keys protect them in Azure.
/// </summary>
public sealed class OrchestrationHttpApi(IConfiguration configuration, ServingPrimaryStore servingPrimary)
{
    [Function("StartOrchestration")]
    public async Task<HttpResponseData> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orchestrators/{name}")] HttpRequestData request,
        string name,
        [DurableClient] DurableTaskClient client)
    {
        var (start, status, error) = StartRequest.Check(name, await request.ReadAsStringAsync(), configuration);
        if (start is null)
        {
            return await ErrorAsync(request, (HttpStatusCode)status, error!);
        }

        if (start.Runbook.Orchestrator == typeof(Failover))
        {
            // Never two: a running failover is joined (409 with its id), else the id comes from the DR state.
            var started = await FailoverInstance.StartAsync(new DurableClientInstanceStarter(client), servingPrimary, start.Version, start.Input!);
            if (started.Joined)
            {
                var joined = request.CreateResponse();
                await joined.WriteAsJsonAsync(new { error = $"a failover is already running: {started.InstanceId}", id = started.InstanceId, joined = true });
                joined.StatusCode = HttpStatusCode.Conflict;
                return joined;
            }

            return await client.CreateCheckStatusResponseAsync(request, started.InstanceId);
        }

        var instanceId = start.Runbook.Orchestrator == typeof(HealthMonitor) ? HealthMonitor.InstanceId
            : request.Query["instanceId"] is { Length: > 0 } given ? given : Guid.NewGuid().ToString("N");
        if (!await new DurableClientInstanceStarter(client).TryStartAsync(start.Name, start.Version, instanceId, start.Input))
        {
            return await ErrorAsync(request, HttpStatusCode.Conflict, $"instance '{instanceId}' already exists");
        }

        return await client.CreateCheckStatusResponseAsync(request, instanceId);
    }

    [Function("GetInstanceStatus")]
    public async Task<HttpResponseData> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "instances/{id}")] HttpRequestData request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        if (instance is null)
        {
            return await ErrorAsync(request, HttpStatusCode.NotFound, $"no instance '{id}'");
        }

        var response = request.CreateResponse();
        await response.WriteAsJsonAsync(InstanceStatusShape.Json(InstanceSnapshot.From(instance)));
        response.StatusCode = (HttpStatusCode)InstanceStatusShape.HttpStatus(instance.RuntimeStatus.ToString()); // sent when the function returns
        return response;
    }

    private static async Task<HttpResponseData> ErrorAsync(HttpRequestData request, HttpStatusCode status, string message)
    {
        var response = request.CreateResponse();
        await response.WriteAsJsonAsync(new { error = message });
        response.StatusCode = status; // WriteAsJsonAsync sets 200; the status is sent when the function returns.
        return response;
    }
}
