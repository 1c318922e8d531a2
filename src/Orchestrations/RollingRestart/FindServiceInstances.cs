using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.RollingRestart;

/// <param name="Region">Null: the serving region (DR state, else the topology's primary).</param>
/// <param name="Services">Null: every service the region's compute declares, in the order declared.</param>
public sealed record FindServiceInstancesInput(string? Region, IReadOnlyList<string>? Services);

public sealed record ServiceInstances(string Service, IReadOnlyList<string> Addresses);

public sealed record RegionInstances(string Region, IReadOnlyList<ServiceInstances> Services);

/// <summary>The running instances of each service to restart, checked before anything is: unknown region or service is bad input. Reads only.</summary>
public sealed class FindServiceInstances(TopologyOptions topology, ICompute compute, ServingPrimaryStore servingPrimary)
    : DrActivity<FindServiceInstances, FindServiceInstancesInput, RegionInstances>
{
    public override async Task<RegionInstances> RunAsync(TaskActivityContext context, FindServiceInstancesInput input)
    {
        var region = input.Region ?? (await servingPrimary.ServingAsync(topology)).Region;
        if (!topology.Regions.TryGetValue(region, out var options))
        {
            throw new BadInputException($"region '{region}' is not in the DR topology (regions: {string.Join(", ", topology.Regions.Keys)})");
        }

        var declared = options.Compute?.Services.Keys.ToList()
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{region}:Compute declares no services to restart");
        var services = input.Services ?? declared;
        if (services.FirstOrDefault(s => !declared.Contains(s, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            throw new BadInputException($"service '{unknown}' is not declared in region {region} (services: {string.Join(", ", declared)})");
        }

        var found = new List<ServiceInstances>();
        foreach (var service in services)
        {
            found.Add(new ServiceInstances(service, (await compute.RunningAsync(region, service)).Order(StringComparer.Ordinal).ToList()));
        }

        return new RegionInstances(region, found);
    }
}
