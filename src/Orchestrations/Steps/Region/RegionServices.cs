using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>The services a region's compute declares, each taken in or out of service (drain, undrain).</summary>
internal static class RegionServices
{
    /// <summary>Calls <paramref name="action"/> for each declared service of the region; a region with no compute has nothing of ours running.</summary>
    public static async Task<IReadOnlyList<InstanceDrained>> EachAsync(TopologyOptions topology, string region,
        Func<string, Task<IReadOnlyList<InstanceDrained>>> action)
    {
        if (!topology.Regions.TryGetValue(region, out var options) || options.Compute is not { } compute)
        {
            return [];
        }

        var instances = new List<InstanceDrained>();
        foreach (var service in compute.Services.Keys)
        {
            instances.AddRange(await action(service));
        }

        return instances;
    }
}
