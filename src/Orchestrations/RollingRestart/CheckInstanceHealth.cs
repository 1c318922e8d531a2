using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.RollingRestart;

/// <param name="TimeoutSeconds">How long the instance may take to answer healthy.</param>
public sealed record CheckInstanceHealthInput(string Address, int TimeoutSeconds);

public sealed record InstanceHealthy(string Address, double Seconds);

/// <summary>
/// Waits until one instance answers its health path with 2xx (the workload's: database writable, Redis
/// reachable). Not healthy within the timeout: a refusal naming what it last answered, so a rolling
/// restart stops there instead of taking the next group down too.
/// </summary>
public sealed class CheckInstanceHealth(TopologyOptions topology, ServiceHttp service) : DrActivity<CheckInstanceHealth, CheckInstanceHealthInput,
    InstanceHealthy>
{
    public override async Task<InstanceHealthy> RunAsync(TaskActivityContext context, CheckInstanceHealthInput input)
    {
        var api = topology.Api;
        var url = $"{api.Scheme}://{input.Address}:{api.Port}{api.HealthPath}";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < TimeSpan.FromSeconds(input.TimeoutSeconds))
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await service.Client.GetAsync(url, attempt.Token);
                if (response.IsSuccessStatusCode)
                {
                    return new InstanceHealthy(input.Address, Math.Round(clock.Elapsed.TotalSeconds, 3));
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(200);
        }

        throw new SafetyCheckRefusedException($"{url} not healthy within {input.TimeoutSeconds} s: {last}");
    }
}
