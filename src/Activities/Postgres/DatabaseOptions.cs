namespace CausalEval.Dr.Activities.Postgres;

/// <summary>The PostgreSQL cluster to back up (section "Database"). Authentication: trust/.pgpass/PGPASSWORD, never in inputs.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public string Host { get; set; } = "";

    public int Port { get; set; } = 5432;

    public string User { get; set; } = "postgres";

    /// <summary>Folder of pg_basebackup and pg_verifybackup.</summary>
    public string BinDirectory { get; set; } = "/usr/lib/postgresql/15/bin";

    public void EnsureValid()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new InvalidOperationException($"{Section}:Host is not set: configure the cluster to back up");
        }
    }
}
