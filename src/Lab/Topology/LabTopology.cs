using System.Net;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Lab.Topology;

/// <param name="Synchronous">Standby only: the primary waits for it on commit (synchronous_standby_names).</param>
/// <param name="ApplicationName">Standby only: its name in pg_stat_replication.</param>
public sealed record PostgresSpec(bool Synchronous, string ApplicationName);

/// <summary>
/// One region of the lab. Its services listen on <see cref="Address"/> (a loopback address of its own);
/// workload instance i listens on the address with last octet 10+i, so DNS can point at a region.
/// </summary>
public sealed record LabRegion(string Name, RegionRole Role, string Address, string Location, int CapacityPercent,
    PostgresSpec Postgres, bool Redis, int WorkloadInstances)
{
    /// <summary>The region runs a file store for the framework's files (an S3 server on its address): <c>services.files</c>.</summary>
    public bool Files { get; init; }

    public string WorkloadAddress(int instance)
    {
        var bytes = IPAddress.Parse(Address).GetAddressBytes();
        bytes[3] = (byte)(10 + instance);
        return new IPAddress(bytes).ToString();
    }
}

/// <summary>The lab as a topology file describes it, validated (see <see cref="LabTopologyParser"/>).</summary>
public sealed record LabTopology(string Zone, LabRegion Primary, LabRegion Secondary, string SharedAddress,
    bool Azurite, bool S3, IReadOnlyDictionary<string, int> Ports)
{
    /// <summary>Port names a topology may pin; 0 or absent means "any free port".</summary>
    public static readonly string[] PortNames = ["postgres", "agent", "redis", "workload", "dns", "dnsApi", "s3", "azuriteBlob", "azuriteQueue",
        "azuriteTable", "files"];

    /// <summary>The cold disaster-recovery region, if the file declares one: nothing of it runs until `dr recover-region`.</summary>
    public LabRegion? Cold { get; init; }

    public IEnumerable<LabRegion> Regions => Cold is null ? [Primary, Secondary] : [Primary, Secondary, Cold];
}

/// <summary>Everything wrong with a topology file, each problem named by its JSON path.</summary>
public sealed class LabTopologyException(IReadOnlyList<string> problems)
    : Exception("invalid lab topology:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
