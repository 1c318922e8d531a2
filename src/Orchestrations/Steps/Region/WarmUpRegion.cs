using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <param name="Requests">Concurrent write-path exercises per instance (the first burst a cold instance would otherwise meet); the workload pools 20
/// connections.</param>
/// <param name="Addresses">The instances to warm (default: every address of the region's public record).</param>
public sealed record WarmUpRegionInput(string Region, IReadOnlyList<string>? Addresses = null, int Requests = 20);

public sealed record InstanceWarmed(string Address, double Milliseconds);

/// <summary>
/// Exercises the write path of every instance the region's public record will name, concurrently, before
/// traffic moves there: connection pools filled, code paths run, the new primary reached through the
/// database record. Fails (and is retried) while any instance cannot.
/// </summary>
public sealed class WarmUpRegion(TopologyOptions topology, ServiceHttp service) : DrActivity<WarmUpRegion, WarmUpRegionInput, IReadOnlyList<InstanceWarmed>>
{
    public override async Task<IReadOnlyList<InstanceWarmed>> RunAsync(TaskActivityContext context, WarmUpRegionInput input)
    {
        var api = topology.Api;
        if (string.IsNullOrEmpty(api.WarmUpPath) || topology.RecordOf(input.Region, api.Record) is not { } declared)
        {
            return [];
        }

        var addresses = input.Addresses ?? declared;
        var http = service.Client;
        return await Task.WhenAll(addresses.Select(async address =>
        {
            using var response = await http.PostAsync($"{api.Scheme}://{address}:{api.Port}{api.WarmUpPath}?requests={input.Requests}", null);
            var body = await response.Content.ReadFromJsonAsync<JsonObject>();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"warm-up of {address} failed: {(int)response.StatusCode} {body?["error"]}");
            }

            return new InstanceWarmed(address, body?["milliseconds"]?.GetValue<double>() ?? 0);
        }));
    }
}
