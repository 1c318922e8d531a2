namespace CausalEval.Dr.Adapters.Dns;

/// <param name="ChangeId">The provider's id of the change (Route 53's /change/…), if it has one.</param>
/// <param name="InSyncSeconds">From submitting the change until the provider said its authoritative servers answer it
/// (Route 53: GetChange INSYNC; PowerDNS: at once). Resolvers may keep the old answer up to the record's TTL after that.</param>
public sealed record DnsChangeApplied(string? ChangeId, double InSyncSeconds);

/// <summary>
/// The DNS records that route clients to a region (<c>api.</c>, <c>db.</c> of the service's zone). Changed
/// by failover's "switch DNS" step; the lab's PowerDNS and Route 53 implement it.
/// </summary>
public interface IDnsRecords
{
    /// <summary>Replaces every A record of <paramref name="name"/> (relative to the zone, e.g. "api") in one change; returns once it is in sync.</summary>
    Task<DnsChangeApplied> SetAddressesAsync(string name, IReadOnlyList<string> addresses, int ttlSeconds, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> GetAddressesAsync(string name, CancellationToken cancellationToken = default);
}
