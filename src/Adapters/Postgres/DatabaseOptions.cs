using CausalEval.Dr.Core.Errors;
namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>The PostgreSQL clusters to back up (section "Database"). Authentication: trust/.pgpass/PGPASSWORD, never in inputs.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>The primary.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 5432;

    public string User { get; set; } = "postgres";

    /// <summary>The streaming standby, for backups that spare the primary (<c>Database:Standby:Host/Port</c>).</summary>
    public StandbyEndpoint? Standby { get; set; }

    /// <summary>Folder of pg_basebackup and pg_verifybackup.</summary>
    public string BinDirectory { get; set; } = "/usr/lib/postgresql/15/bin";

    /// <summary>zstd level of base backups. 1 compresses the pgbench data as well as 3 (69.9 vs 70.7 MB) for less CPU.</summary>
    public int CompressionLevel { get; set; } = 1;

    /// <summary>zstd threads in pg_basebackup; 0 = one per core.</summary>
    public int CompressionWorkers { get; set; }

    /// <summary>Throttle of the base backup read (pg_basebackup --max-rate), in kB/s; 0 = none. Protects a busy primary.</summary>
    public int MaxRateKbps { get; set; }

    /// <summary>The endpoint a backup of <paramref name="source"/> ("primary" or "standby") connects to.</summary>
    public (string Host, int Port) Endpoint(string source) => source switch
    {
        BackupSources.Primary => (Host, Port),
        BackupSources.Standby when Standby is { Host.Length: > 0 } standby => (standby.Host, standby.Port),
        BackupSources.Standby => throw new DrConfigurationException($"{Section}:Standby:Host is not set: configure the standby to back up from it"),
        _ => throw new ArgumentException($"source: '{source}' is not a backup source (use '{BackupSources.Primary}' or '{BackupSources.Standby}')"),
    };

    /// <summary>A short-timeout, unpooled connection to the "postgres" database of <paramref name="source"/>.</summary>
    public string ConnectionString(string source = BackupSources.Primary)
    {
        var (host, port) = Endpoint(source);
        return $"Host={host};Port={port};Username={User};Database=postgres;Timeout=5;Pooling=false";
    }

    public void EnsureValid()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new DrConfigurationException($"{Section}:Host is not set: configure the cluster to back up");
        }

        if (CompressionLevel is < -7 or > 22)
        {
            throw new DrConfigurationException($"{Section}:CompressionLevel: {CompressionLevel} is not a zstd level (-7..22)");
        }
    }
}

public sealed class StandbyEndpoint
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 5432;
}

public static class BackupSources
{
    public const string Primary = "primary";
    public const string Standby = "standby";
}
