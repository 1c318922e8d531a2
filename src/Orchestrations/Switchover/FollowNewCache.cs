using CausalEval.Dr.Adapters.Redis;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <param name="Region">The switched-from region, whose cache follows.</param>
/// <param name="Master">The region whose cache is the master now.</param>
public sealed record FollowNewCacheInput(string Region, string Master);

/// <summary>
/// After a switchover the old region's Redis replicates from the promoted one (sessions and queue keep one
/// writer). Regions without a cache in the topology have nothing to do. Idempotent.
/// </summary>
public sealed class FollowNewCache(TopologyOptions topology) : DrActivity<FollowNewCache, FollowNewCacheInput, CacheFollows?>
{
    public override async Task<CacheFollows?> RunAsync(TaskActivityContext context, FollowNewCacheInput input) =>
        Endpoint(input.Region) is { } follower && Endpoint(input.Master) is { } master
            ? await RedisPromotion.FollowAsync(follower, master)
            : null;

    private string? Endpoint(string region) =>
        topology.Regions.TryGetValue(region, out var options) && options.Cache is { Redis: { Length: > 0 } endpoint } ? endpoint : null;
}
