using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <param name="Record">Relative to the zone: "db", "api".</param>
/// <param name="Addresses">A part of the region's declared addresses (the instances that serve already); default: all of them.</param>
public sealed record SwitchDnsRecordInput(string Region, string Record, IReadOnlyList<string>? Addresses = null);

/// <param name="Changed">False when the record already named these addresses (a rerun): nothing was sent.</param>
/// <param name="Queries">Queries to the authoritative server until it answered the new addresses (0: none declared).</param>
/// <param name="InSyncSeconds">Submitted → in sync at the provider (Route 53: INSYNC), its own phase of the RTO.</param>
/// <param name="TtlSeconds">The record's TTL: resolvers may answer the old addresses up to this long after.</param>
public sealed record DnsRecordSwitched(string Fqdn, IReadOnlyList<string> Addresses, IReadOnlyList<string> Previous, bool Changed, int Queries,
    double InSyncSeconds = 0, int TtlSeconds = 0, string? ChangeId = null);

/// <summary>
/// Points one record of the zone at the region's addresses (from the topology) and returns once the
/// authoritative server answers them. Reads the current record first, so a rerun after a crash changes it
/// at most once.
/// </summary>
public sealed class SwitchDnsRecord(TopologyOptions topology, DnsZone zone) : DrActivity<SwitchDnsRecord, SwitchDnsRecordInput, DnsRecordSwitched>
{
    public override async Task<DnsRecordSwitched> RunAsync(TaskActivityContext context, SwitchDnsRecordInput input)
    {
        if (topology.RecordOf(input.Region, input.Record) is not { } wanted)
        {
            throw new DrConfigurationException($"{TopologyOptions.Section}:Regions:{input.Region}:Dns:Records:{input.Record}: not declared, so the record " +
                $"cannot be switched to {input.Region}");
        }

        if (input.Addresses is { } part && (part.Count == 0 || part.Except(wanted).Any()))
        {
            throw new BadInputException($"addresses: [{string.Join(", ", part)}] must be some of {input.Region}'s {input.Record} addresses [{string.Join(", ",
                wanted)}]");
        }

        var target = (input.Addresses ?? wanted).Order().ToList();
        var previous = await zone.Records.GetAddressesAsync(input.Record);
        var changed = !previous.Order().SequenceEqual(target);
        var applied = changed ? await zone.Records.SetAddressesAsync(input.Record, target, zone.TtlSeconds) : null;
        var queries = zone.Answers is { } answers ? await answers.WaitForAsync(zone.Fqdn(input.Record), target, TimeSpan.FromSeconds(30)) : 0;
        return new DnsRecordSwitched(zone.Fqdn(input.Record), target, previous, changed, queries, applied?.InSyncSeconds ?? 0, zone.TtlSeconds,
            applied?.ChangeId);
    }
}
