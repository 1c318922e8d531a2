using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.RollingRestart;

/// <param name="Region">Null: the serving region.</param>
/// <param name="Services">Null: every service the region's compute declares (the seed's api, worker, scheduler), in that order.</param>
/// <param name="MaxUnavailablePercent">How much of a service may be down at once (a service of one instance is restarted alone).</param>
/// <param name="HealthTimeoutSeconds">How long a restarted instance may take to answer healthy.</param>
public sealed record RollingRestartInput(string? Region = null, IReadOnlyList<string>? Services = null, int MaxUnavailablePercent = 50,
    int HealthTimeoutSeconds = 60, string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        MaxUnavailablePercent is < 1 or > 50 ? $"maxUnavailablePercent: {MaxUnavailablePercent} is outside 1..50 (at most half of a service goes down at once)"
        : HealthTimeoutSeconds is < 1 or > 3600 ? $"healthTimeoutSeconds: {HealthTimeoutSeconds} is outside 1..3600"
        : Services is { Count: 0 } ? "services: empty (leave it out for every service)"
        : null;
}

public sealed record InstanceRolled(InstanceRestarted Restart, InstanceHealthy Health);

/// <param name="Restarted">Every instance restarted, in order, with its health check.</param>
public sealed record RollingRestartResult(string Region, IReadOnlyList<InstanceRolled> Restarted);

/// <summary>
/// Runbook: restart a region's services one group at a time (the seed's rolling restart).
/// 1. Find each service's running instances (unknown region or service: bad input, nothing restarted).
/// 2. Per service, in order, per group of at most MaxUnavailablePercent of its instances: restart the group
///    (each instance drained, stopped, started), then wait until every one of them answers healthy.
///    An instance that does not: the runbook stops there, naming it; later groups and services keep running.
/// </summary>
public sealed class RollingRestart : Runbook<RollingRestartInput?, RollingRestartResult>
{
    protected override async Task<RollingRestartResult> RunStepsAsync(RunbookRun run, RollingRestartInput? input)
    {
        input ??= new RollingRestartInput();
        var found = await run.StepAsync("find instances", FindServiceInstances.Ref,
            new FindServiceInstancesInput(input.Region, input.Services), StepOptions.Retried);
        run.Subject = $"{found.Region}: {string.Join(", ", found.Services.Select(s => $"{s.Service} ×{s.Addresses.Count}"))}";
        var restarted = new List<InstanceRolled>();
        foreach (var service in found.Services)
        {
            var groupSize = Math.Max(1, service.Addresses.Count * input.MaxUnavailablePercent / 100);
            var groups = service.Addresses.Chunk(groupSize).ToList();
            for (var g = 0; g < groups.Count; g++)
            {
                var name = $"{service.Service} group {g + 1} of {groups.Count}";
                var restarts = await run.ParallelAsync($"restart {name}", RestartServiceInstance.Ref,
                    groups[g].Select(a => new ServiceInstanceInput(found.Region, service.Service, a)).ToList(), StepOptions.Retried);
                IReadOnlyList<InstanceHealthy> health;
                try
                {
                    health = await run.ParallelAsync($"health {name}", CheckInstanceHealth.Ref,
                        groups[g].Select(a => new CheckInstanceHealthInput(a, input.HealthTimeoutSeconds)).ToList(), StepOptions.Once);
                }
                catch (Exception e)
                {
                    var left = groups.Skip(g + 1).Sum(x => x.Length);
                    throw new SafetyCheckRefusedException($"rolling restart stopped at {name}: {e.Message}; {left} more {service.Service} instance(s) and " +
                        $"the services after it were not restarted");
                }

                restarted.AddRange(restarts.Zip(health, (r, h) => new InstanceRolled(r, h)));
                run.Report("restarted", restarted.Count);
            }
        }

        return new(found.Region, restarted);
    }
}
