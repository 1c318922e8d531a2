using CausalEval.Dr.Adapters.Redis;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>
/// Makes the region's Redis a master (sessions and the evaluation queue writable there) and tells connected
/// clients. A region without a cache in the topology has nothing to promote. Idempotent.
/// </summary>
public sealed class PromoteCache(TopologyOptions topology) : DrActivity<PromoteCache, RegionInput, CachePromoted?>
{
    public override async Task<CachePromoted?> RunAsync(TaskActivityContext context, RegionInput input) =>
        topology.Regions.TryGetValue(input.Region, out var region) && region.Cache is { Redis: { Length: > 0 } endpoint }
            ? await RedisPromotion.PromoteAsync(endpoint)
            : null;
}
