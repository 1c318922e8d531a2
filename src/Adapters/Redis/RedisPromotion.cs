using StackExchange.Redis;

namespace CausalEval.Dr.Adapters.Redis;

/// <param name="WasReplica">False when it already was a master (a rerun): nothing was changed.</param>
public sealed record CachePromoted(string Endpoint, bool WasReplica, string Role);

/// <param name="Changed">False when it already replicated from that master (a rerun): nothing was changed.</param>
public sealed record CacheFollows(string Endpoint, string Master, bool Changed, string Role);

/// <summary>
/// Makes a region's Redis a master so sessions and the evaluation queue are writable there. Checks the role
/// first (a rerun changes nothing), then announces the change on StackExchange.Redis's configuration channel:
/// connected clients reconfigure at once instead of refusing writes to what they still believe is a replica.
/// </summary>
public static class RedisPromotion
{
    /// <summary>The channel StackExchange.Redis clients subscribe to for master changes (its default).</summary>
    public const string ConfigurationChannel = "__Booksleeve_MasterChanged";

    public static async Task<CachePromoted> PromoteAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        await using var redis = await ConnectAdminAsync(endpoint);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var wasReplica = (await server.RoleAsync()) is Role.Replica;
        if (wasReplica)
        {
            await server.ExecuteAsync("REPLICAOF", "NO", "ONE");
        }

        // Every time, also on a rerun: a client that missed the first announcement gets this one.
        var subscriber = redis.GetSubscriber();
        await subscriber.PublishAsync(RedisChannel.Literal(ConfigurationChannel), endpoint);
        var role = await server.RoleAsync();
        return new CachePromoted(endpoint, wasReplica, role.Value);
    }

    /// <summary>
    /// Makes the Redis at <paramref name="endpoint"/> a replica of <paramref name="masterEndpoint"/> ("host:port"), the
    /// switched-from region's cache following the new master. Checks first: a replica of that master is left alone.
    /// </summary>
    public static async Task<CacheFollows> FollowAsync(string endpoint, string masterEndpoint)
    {
        await using var redis = await ConnectAdminAsync(endpoint);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var (host, port) = (masterEndpoint[..masterEndpoint.LastIndexOf(':')], masterEndpoint[(masterEndpoint.LastIndexOf(':') + 1)..]);
        var follows = await server.RoleAsync() is Role.Replica replica && replica.MasterIp == host && replica.MasterPort.ToString() == port;
        if (!follows)
        {
            await server.ExecuteAsync("REPLICAOF", host, port);
        }

        return new CacheFollows(endpoint, masterEndpoint, Changed: !follows, (await server.RoleAsync()).Value);
    }

    /// <summary>The server's replication role ("master", "slave"); throws when it does not answer. A switchover's preflight asks it.</summary>
    public static async Task<string> RoleAsync(string endpoint)
    {
        await using var redis = await ConnectAdminAsync(endpoint);
        return (await redis.GetServer(redis.GetEndPoints()[0]).RoleAsync()).Value;
    }

    /// <summary>One admin connection to one server, failing fast: a step against the RTO clock must not wait on a lost region.</summary>
    private static Task<ConnectionMultiplexer> ConnectAdminAsync(string endpoint) =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { endpoint },
            AllowAdmin = true,
            AbortOnConnectFail = true,
            ConnectTimeout = 3000,
            AsyncTimeout = 3000,
            SyncTimeout = 3000,
        });
}
