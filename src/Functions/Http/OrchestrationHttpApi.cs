using System.Net;
using CausalEval.Dr.Orchestrations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Functions.Http;

/// <summary>
/// The HTTP starter and a status endpoint, with the same routes and the same input checks
/// (<see cref="StartRequest"/>) as the local API. Function-level keys protect them in Azure.
/// </summary>
public static class OrchestrationHttpApi
{
    [Function("StartOrchestration")]
    public static async Task<HttpResponseData> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orchestrators/{name}")] HttpRequestData request,
        string name,
        [DurableClient] DurableTaskClient client)
    {
        var (start, problem, error) = StartRequest.Check(name, await request.ReadAsStringAsync());
        if (start is null)
        {
            return await ErrorAsync(request, problem == StartRequest.Problem.UnknownOrchestration ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest, error!);
        }

        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(start.Name, start.Input);
        return await client.CreateCheckStatusResponseAsync(request, instanceId);
    }

    [Function("GetInstanceStatus")]
    public static async Task<HttpResponseData> Status(
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
        await response.WriteAsJsonAsync(new
        {
            name = instance.Name,
            instanceId = instance.InstanceId,
            runtimeStatus = instance.RuntimeStatus.ToString(),
            input = instance.SerializedInput,
            customStatus = instance.SerializedCustomStatus,
            output = instance.SerializedOutput,
            createdTime = instance.CreatedAt,
            lastUpdatedTime = instance.LastUpdatedAt,
            failureDetails = instance.FailureDetails,
        });
        response.StatusCode = instance.IsCompleted ? HttpStatusCode.OK : HttpStatusCode.Accepted;
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
