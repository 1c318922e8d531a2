using CausalEval.Dr.Core.Errors;
using Microsoft.Extensions.Configuration;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// How the PostgreSQL tools run (section "Database"); which clusters they reach comes from the DR topology
/// (<see cref="DatabaseEndpoint.Resolve"/>). Authentication: <see cref="User"/> with the password in the Secrets entry
/// <see cref="PasswordSecret"/> (resolved in the process that connects: never in inputs, history or a child's
/// inherited environment), else what the server's pg_hba allows without one (peer, certificates, .pgpass).
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public string User { get; set; } = "postgres";

    /// <summary>The entry of "Secrets" holding <see cref="User"/>'s password; empty: none is sent.</summary>
    public string PasswordSecret { get; set; } = "";

    /// <summary>The password itself, resolved by <see cref="From"/> (never bound from settings by name).</summary>
    public string? Password { get; private set; }

    /// <summary>The section, with its password resolved from "Secrets": what every process that connects uses.</summary>
    public static DatabaseOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        return options.WithPasswordFrom(configuration);
    }

    /// <summary>Resolves <see cref="PasswordSecret"/>; a named secret that is not set is a configuration error.</summary>
    public DatabaseOptions WithPasswordFrom(IConfiguration configuration)
    {
        if (PasswordSecret.Length > 0)
        {
            Password = configuration[$"Secrets:{PasswordSecret}"] is { Length: > 0 } password ? password
                : throw new DrConfigurationException($"Secrets:{PasswordSecret} is not set ({Section}:PasswordSecret: the database user's password)");
        }

        return this;
    }

    /// <summary>What a libpq tool (pg_basebackup, pg_rewind, pg_amcheck) is given to authenticate, in its own environment only.</summary>
    public IReadOnlyDictionary<string, string> ToolEnvironment() => PasswordEnvironment(Password);

    /// <summary>PGPASSWORD for one child process, when there is a password.</summary>
    public static IReadOnlyDictionary<string, string> PasswordEnvironment(string? password) =>
        password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["PGPASSWORD"] = password };

    /// <summary>
    /// A short-timeout, unpooled connection string to <paramref name="host"/> as <paramref name="user"/> (values escaped by Npgsql's
    /// builder). GSS encryption is off: Npgsql's default (prefer) asks Kerberos first on every connect, and without a Kerberos
    /// set-up that held a connected socket silent for 5 s, now and then, in every process (docs/benchmarks.md).
    /// </summary>
    public static string ConnectionString(string host, int port, string user, string? password, string database = "postgres", int timeoutSeconds = 5,
        int? commandTimeoutSeconds = null) =>
        new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = host, Port = port, Username = user, Password = password, Database = database, Timeout = timeoutSeconds, Pooling = false,
            CommandTimeout = commandTimeoutSeconds ?? 30, GssEncryptionMode = Npgsql.GssEncryptionMode.Disable,
        }.ConnectionString;

    /// <summary>Folder of pg_basebackup, pg_verifybackup, pg_ctl.</summary>
    public string BinDirectory { get; set; } = "/usr/lib/postgresql/15/bin";

    /// <summary>zstd level of base backups; 1 compresses about as well as 3 for less CPU (docs/benchmarks.md).</summary>
    public int CompressionLevel { get; set; } = 1;

    /// <summary>zstd threads in pg_basebackup; 0 = one per core.</summary>
    public int CompressionWorkers { get; set; }

    /// <summary>A base backup is stored in parts of this size (MiB); a restore holds a few of them in memory at once.</summary>
    public int PartSizeMiB { get; set; } = 32;

    /// <summary>Parts of a base backup uploaded at once.</summary>
    public int PartsInFlight { get; set; } = 2;

    /// <summary>Throttle of the base backup read (pg_basebackup --max-rate), in kB/s; 0 = none. Protects a busy primary.</summary>
    public int MaxRateKbps { get; set; }

    /// <summary>A short-timeout, unpooled connection to the "postgres" database of <paramref name="endpoint"/>.</summary>
    public string ConnectionString(DatabaseEndpoint endpoint) => ConnectionString(endpoint.Host, endpoint.Port, User, Password);

    public void EnsureValid()
    {
        if (CompressionLevel is < -7 or > 22)
        {
            throw new DrConfigurationException($"{Section}:CompressionLevel: {CompressionLevel} is not a zstd level (-7..22)");
        }

        if (PartSizeMiB is < 1 or > 1024)
        {
            throw new DrConfigurationException($"{Section}:PartSizeMiB: {PartSizeMiB} is outside 1..1024");
        }

        if (PartsInFlight is < 1 or > 16)
        {
            throw new DrConfigurationException($"{Section}:PartsInFlight: {PartsInFlight} is outside 1..16");
        }
    }
}

/// <summary>A database node as a step reaches it: which role it serves, its name, its address.</summary>
public sealed record DatabaseEndpoint(string Source, string Node, string Host, int Port)
{
    /// <summary>
    /// The node a backup of <paramref name="source"/> reads: "primary" is the primary region's first node,
    /// "standby" the secondary region's; after a failover (<paramref name="servingNode"/>, from the DR state)
    /// "primary" is the serving node and "standby" the first other one.
    /// </summary>
    public static DatabaseEndpoint Resolve(TopologyOptions topology, string source, string? servingNode = null)
    {
        if (servingNode is not null && source is BackupSources.Primary or BackupSources.Standby)
        {
            var serving = topology.FindNode(servingNode)
                ?? throw new DrConfigurationException($"the DR state names '{servingNode}' the serving primary, but the topology has no such node");
            if (source == BackupSources.Primary)
            {
                return new DatabaseEndpoint(source, serving.Node.Name, serving.Node.Host, serving.Node.Port);
            }

            var other = topology.StandbyOf(servingNode)
                ?? throw new DrConfigurationException($"{TopologyOptions.Section}:Regions: no database node besides the serving {servingNode}, so there is " +
                    $"no standby");
            return new DatabaseEndpoint(source, other.Name, other.Host, other.Port);
        }

        var role = source switch
        {
            BackupSources.Primary => RegionRole.Primary,
            BackupSources.Standby => RegionRole.Secondary,
            _ => throw new BadInputException($"source: '{source}' is not a backup source (use '{BackupSources.Primary}' or '{BackupSources.Standby}')"),
        };
        if (topology.RegionWith(role) is not { } region || region.Region.Database.Nodes.Count == 0)
        {
            throw new DrConfigurationException(topology.IsEmpty
                ? $"{TopologyOptions.Section}: no DR topology is configured, so there is no {source} database (`dr lab up` writes one for the lab; see README)"
                : $"{TopologyOptions.Section}:Regions: no {(role == RegionRole.Primary ? "primary"
                    : "secondary")} region with a database node, so there is no {source} database");
        }

        var node = region.Region.Database.Nodes[0];
        return new DatabaseEndpoint(source, node.Name, node.Host, node.Port);
    }

    public override string ToString() => $"{Source} {Node} ({Host}:{Port})";
}

public static class BackupSources
{
    public const string Primary = "primary";
    public const string Standby = "standby";
}
