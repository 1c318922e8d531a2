using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <param name="RunId">Tags the test write, so it can be told from client traffic.</param>
public sealed record VerifyServiceInput(string Region, string RunId);

/// <param name="EvaluationId">The test write, read back through another instance where there is one.</param>
public sealed record ServiceVerified(string Fqdn, IReadOnlyList<string> Addresses, long EvaluationId, string Database, bool Queued);

/// <summary>
/// Verifies the service the way clients reach it: the public name resolves (authoritatively) to the region's
/// addresses, every instance is healthy, and a test write through one instance is read back, committed and
/// queued, through another. Fails (and is retried) until all of that holds.
/// </summary>
public sealed class VerifyService(TopologyOptions topology, DnsZone zone, ServiceHttp service) : DrActivity<VerifyService, VerifyServiceInput, ServiceVerified>
{
    public override async Task<ServiceVerified> RunAsync(TaskActivityContext context, VerifyServiceInput input)
    {
        var api = topology.Api;
        var fqdn = zone.Fqdn(api.Record);
        var addresses = await zone.AnswerAsync(api.Record);
        var expected = topology.RecordOf(input.Region, api.Record)?.Order().ToList() ?? [];
        if (addresses.Count == 0 || (expected.Count > 0 && addresses.Except(expected).Any()))
        {
            throw new InvalidOperationException($"{fqdn} answers [{string.Join(", ", addresses)}], not (some of) {input.Region}'s [{string.Join(", ",
                expected)}]");
        }

        var http = service.Client;
        string Url(string address, string path) => $"{api.Scheme}://{address}:{api.Port}{path}";
        foreach (var address in addresses)
        {
            using var health = await http.GetAsync(Url(address, api.HealthPath));
            if (!health.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{address} is not healthy: {(int)health.StatusCode} {await health.Content.ReadAsStringAsync()}");
            }
        }

        using var write = await http.PostAsJsonAsync(Url(addresses[0], "/evaluations"), new { clientId = "dr-verify", payload = new { run = input.RunId } });
        var written = await write.Content.ReadFromJsonAsync<JsonObject>();
        if (!write.IsSuccessStatusCode || written?["id"]?.GetValue<long>() is not { } id)
        {
            throw new InvalidOperationException($"the test write through {addresses[0]} failed: {(int)write.StatusCode} {written?.ToJsonString()}");
        }

        var reader = addresses[^1];
        using var read = await http.GetAsync(Url(reader, $"/evaluations/{id}"));
        var back = await read.Content.ReadFromJsonAsync<JsonObject>();
        if (!read.IsSuccessStatusCode || back?["payload"]?["run"]?.GetValue<string>() != input.RunId)
        {
            throw new InvalidOperationException($"evaluation {id} written through {addresses[0]} was not read back through {reader}: {(int)read.StatusCode} " +
                $"{back?.ToJsonString()}");
        }

        var queued = back["queued"]?.GetValue<bool>() == true;
        if (!queued)
        {
            throw new InvalidOperationException($"evaluation {id} is committed but not in the evaluation queue");
        }

        return new ServiceVerified(fqdn, addresses, id, back["database"]?.GetValue<string>() ?? "", queued);
    }
}
