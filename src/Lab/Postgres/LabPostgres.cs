using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using Npgsql;

namespace CausalEval.Dr.Lab.Postgres;

/// <summary>
/// PostgreSQL 15 clusters of the lab: a primary with WAL archiving and a streaming hot standby. Servers
/// run as the `postgres` OS user when we are root (initdb and postgres refuse root). A data directory
/// made once by initdb is kept as a template and copied, which is several times faster than initdb.
/// With a <paramref name="password"/> (the lab's), connections over TCP authenticate with SCRAM and local ones by
/// peer: no local user is postgres just by connecting to loopback. Without one (a test's throwaway cluster), trust.
/// </summary>
public sealed class LabPostgres(string labDirectory, string? password = null)
{
    public const string Database = "causal_eval";

    public static string BinDirectory => Environment.GetEnvironmentVariable("DR_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

    private static string Bin(string tool) => Path.Combine(BinDirectory, tool);

    private static string? RunAs => PgCtl.RunAs;

    public static string ConnectionString(string address, int port, string database = Database, string? password = null) =>
        DatabaseOptions.ConnectionString(address, port, PgCtl.OsUser, password, database);

    /// <summary>
    /// The password of the lab's PostgreSQL user, made once per lab folder (its template is made with it) and kept there
    /// readable by its owner alone.
    /// </summary>
    public static string PasswordOf(string labDirectory)
    {
        var file = Path.Combine(labDirectory, "postgres.password");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(labDirectory);
            Adapters.Files.OwnerOnly.WriteAllText(file, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        }

        return File.ReadAllText(Adapters.Files.TrustedPath.Checked(file, "the lab's database password")).Trim();
    }

    private string Hba => password is null
        ? """
            local all all trust
            host all all 127.0.0.0/8 trust
            host replication all 127.0.0.0/8 trust
            """
        : """
            local all all peer
            host all all 127.0.0.0/8 scram-sha-256
            host replication all 127.0.0.0/8 scram-sha-256
            """;

    /// <summary>Starts the primary on <paramref name="address"/>:<paramref name="port"/>; returns its postmaster PID.</summary>
    public async Task<int> StartPrimaryAsync(string dataDir, string address, int port, string archiveCommand)
    {
        var template = await EnsureTemplateAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(dataDir)!);
        await PgCtl.GiveToServerAsync(Path.GetDirectoryName(dataDir)!);
        await CopyAsOwnerAsync(template, dataDir);
        await AppendConfigAsync(dataDir, $"""
            {PostgresConfig.Line("listen_addresses", address)}
            port = {port}
            {PostgresConfig.Line("unix_socket_directories", await SocketDirectoryAsync(dataDir))}
            wal_level = replica
            max_wal_senders = 10
            max_replication_slots = 10
            hot_standby = on
            wal_keep_size = '256MB'
            archive_mode = on
            {PostgresConfig.Line("archive_command", archiveCommand)}
            track_commit_timestamp = on
            wal_log_hints = on  # pg_rewind needs it (reprotect): the clusters have no data checksums
            """);
        await File.WriteAllTextAsync(Path.Combine(dataDir, "pg_hba.conf"), Hba);
        var pid = await StartAsync(dataDir);

        await using var connection = new NpgsqlConnection(ConnectionString(address, port, "postgres", password));
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var app = new NpgsqlConnection(ConnectionString(address, port, Database, password));
        await app.OpenAsync();
        await using var schema = new NpgsqlCommand("""
            CREATE TABLE evaluations (
                id bigserial PRIMARY KEY,
                client_id text NOT NULL,
                payload jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE artifact_writes (
                seq bigserial PRIMARY KEY,
                key text NOT NULL,
                op text NOT NULL,
                sha256 text,
                at timestamptz NOT NULL DEFAULT clock_timestamp(),
                done_at timestamptz)
            """, app);
        await schema.ExecuteNonQueryAsync();
        return pid;
    }

    /// <summary>Clones the primary with pg_basebackup and starts it as a streaming standby; returns its PID.</summary>
    public async Task<int> StartStandbyAsync(string dataDir, string address, int port, string primaryAddress, string applicationName, bool synchronous,
        string primaryDataDir)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(dataDir)!);
        await PgCtl.GiveToServerAsync(Path.GetDirectoryName(dataDir)!);
        await ProcessRunner.RunAsync(Bin("pg_basebackup"),
            ["-d", PostgresConfig.Conninfo(("host", primaryAddress), ("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("user", PgCtl.OsUser),
                 ("application_name", applicationName)), "-D", dataDir, "-R", "-X", "stream", "-c", "fast"],
            RunAs, environment: DatabaseOptions.PasswordEnvironment(password)); // -R writes the password into the standby's primary_conninfo
        await AppendConfigAsync(dataDir, $"""
            listen_addresses = '{address}'
            unix_socket_directories = '{await SocketDirectoryAsync(dataDir)}'
            """);
        if (synchronous)
        {
            await AppendConfigAsync(primaryDataDir, $"synchronous_standby_names = 'FIRST 1 ({applicationName})'");
            await ProcessRunner.RunAsync(Bin("pg_ctl"), ["-D", primaryDataDir, "reload"], RunAs);
        }

        return await StartAsync(dataDir);
    }

    /// <summary>Fast shutdown (clients disconnected, no data lost); nothing happens if it is not running, or was killed.</summary>
    public static Task StopAsync(string dataDir) => new PgCtl(BinDirectory, dataDir).StopAsync();

    /// <summary>Sockets beside, not inside, the data directory: pg_basebackup would copy their lock files to the standby.</summary>
    private static async Task<string> SocketDirectoryAsync(string dataDir)
    {
        var sockets = Path.Combine(Path.GetDirectoryName(dataDir)!, "sockets");
        Directory.CreateDirectory(sockets);
        await PgCtl.GiveToServerAsync(sockets);
        return sockets;
    }

    /// <summary>The postmaster of a lab data directory, if one runs (a stale lock file is none).</summary>
    public static int? RunningPid(string dataDir) => new PgCtl(BinDirectory, dataDir).RunningPid();

    /// <summary>Starts an existing data directory (a restored backup, say); returns its PID.</summary>
    public static Task<int> StartAsync(string dataDir) => new PgCtl(BinDirectory, dataDir).StartAsync();

    /// <summary>
    /// The template, in a folder of the server user's own inside the lab (initdb runs as that user and must create it):
    /// the lab's folder itself stays ours, so that user cannot touch the lab's state or settings.
    /// </summary>
    private async Task<string> EnsureTemplateAsync()
    {
        var templates = Path.Combine(labDirectory, "postgres");
        var template = Path.Combine(templates, "pg-template");
        if (File.Exists(Path.Combine(template, "PG_VERSION")))
        {
            return template;
        }

        Directory.CreateDirectory(templates);
        await PgCtl.GiveToServerAsync(templates);
        EnsureReachableByPostgres(labDirectory);
        var building = template + ".building";
        if (Directory.Exists(building))
        {
            Directory.Delete(building, recursive: true);
        }

        if (password is null)
        {
            await ProcessRunner.RunAsync(Bin("initdb"), ["-D", building, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"], RunAs);
        }
        else
        {
            // The password reaches initdb in a file of the server user's own, gone as soon as initdb has read it.
            var passwordFile = Path.Combine(templates, ".pwfile");
            Adapters.Files.OwnerOnly.WriteAllText(passwordFile, password);
            await PgCtl.GiveToServerAsync(passwordFile);
            try
            {
                await ProcessRunner.RunAsync(Bin("initdb"),
                    ["-D", building, "-U", "postgres", "-A", "scram-sha-256", "--auth-local=peer", "--pwfile", passwordFile,
                    "-E", "UTF8", "--locale=C", "-N"], RunAs);
            }
            finally
            {
                File.Delete(passwordFile);
            }
        }

        Directory.Move(building, template); // only a finished template is ever used
        return template;
    }

    /// <summary>
    /// The `postgres` user must be able to traverse every folder above its data. The state directory is
    /// ours to open (o+x, no read); a folder above it that is closed is an error naming it.
    /// </summary>
    private static void EnsureReachableByPostgres(string labDirectory)
    {
        if (!DetachedProcess.IsRoot || OperatingSystem.IsWindows())
        {
            return;
        }

        var stateDirectory = Path.GetDirectoryName(Path.GetFullPath(labDirectory))!;
        File.SetUnixFileMode(stateDirectory, File.GetUnixFileMode(stateDirectory) | UnixFileMode.OtherExecute);
        for (var dir = Path.GetDirectoryName(stateDirectory); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (!File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                throw new InvalidOperationException($"PostgreSQL runs as the postgres user, who cannot enter {dir} (no o+x): choose a state directory under " +
                    $"a folder others can traverse, or chmod o+x {dir}");
            }
        }
    }

    private static async Task CopyAsOwnerAsync(string from, string to)
    {
        if (Directory.Exists(to))
        {
            Directory.Delete(to, recursive: true);
        }

        await ProcessRunner.RunAsync("cp", ["-a", from, to]);
    }

    private static async Task AppendConfigAsync(string dataDir, string settings)
    {
        var file = Path.Combine(dataDir, "postgresql.auto.conf");
        await File.AppendAllTextAsync(file, Environment.NewLine + settings + Environment.NewLine);
    }
}
