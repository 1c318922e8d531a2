namespace CausalEval.Dr.Adapters.Dns;

/// <summary>
/// The DNS records that route clients to a region (<c>api.</c>, <c>db.</c> of the service's zone). Changed
/// by failover's "switch DNS" step; the lab's PowerDNS and Route 53 implement it.
/// </summary>
public interface IDnsRecords
{
    /// <summary>Replaces every A record of <paramref name="name"/> (relative to the zone, e.g. "api").</summary>
    Task SetAddressesAsync(string name, IReadOnlyList<string> addresses, int ttlSeconds, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> GetAddressesAsync(string name, CancellationToken cancellationToken = default);
}
