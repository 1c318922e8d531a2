using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Postgres;
using Npgsql;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// A real PostgreSQL 15 primary in a temp folder of its own, started the way the lab starts one (the lab's
/// schema, run as the postgres user), with an optional streaming standby; stopped and removed on dispose.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly List<string> dataDirectories = [];

    private PostgresCluster(string root, int port)
    {
        Root = root;
        Port = port;
    }

    /// <summary>The cluster's folder: data, sockets, and room for a test's store and restores.</summary>
    public string Root { get; }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public string DataDirectory => Path.Combine(Root, "pg", "data");

    /// <summary>A folder beside the cluster for a local-directory store.</summary>
    public string Store => Path.Combine(Root, "store");

    public string ConnectionString => LabPostgres.ConnectionString(Host, Port);

    /// <param name="archiveCommand">The primary's archive_command; "/bin/true" claims success and archives nothing.</param>
    /// <param name="rows">Rows to put into the lab's evaluations table.</param>
    public static async Task<PostgresCluster> StartAsync(string name, string archiveCommand = "/bin/true", int rows = 0)
    {
        var root = RepoPaths.NewTempDirectory(name);
        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute); // postgres must traverse it
        var data = Path.Combine(root, "pg", "data");
        var port = await Ports.OnFreePortAsync("the test's PostgreSQL", ["127.0.0.1", "127.0.0.2"], async port =>
        {
            await new LabPostgres(Path.Combine(root, "lab")).StartPrimaryAsync(data, "127.0.0.1", port, archiveCommand);
            return port;
        });
        var cluster = new PostgresCluster(root, port);
        cluster.dataDirectories.Add(cluster.DataDirectory);
        if (rows > 0)
        {
            await cluster.ExecuteAsync($"INSERT INTO evaluations (client_id, payload) SELECT 'row-' || g, jsonb_build_object('g', g) FROM generate_series(1, " +
                $"{rows}) g");
        }

        return cluster;
    }

    /// <summary>A streaming standby on <paramref name="address"/> (same port), caught up to the primary's rows before it returns.</summary>
    public async Task StartStandbyAsync(string address, string applicationName = "standby1")
    {
        var data = Path.Combine(Root, "pg-standby", "data"); // its own parent: sockets live beside the data
        dataDirectories.Add(data);
        await new LabPostgres(Path.Combine(Root, "lab")).StartStandbyAsync(data, address, Port, Host, applicationName, synchronous: false, DataDirectory);
        var expected = await CountAsync(ConnectionString);
        var standby = LabPostgres.ConnectionString(address, Port);
        for (var i = 0; i < 100; i++)
        {
            if (await CountAsync(standby) == expected)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("the standby never caught up");
    }

    /// <summary>Stops a cluster a test started from this one's files (a restore) when the fixture is disposed.</summary>
    public void StopOnDispose(string dataDirectory) => dataDirectories.Add(dataDirectory);

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM evaluations", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var data in Enumerable.Reverse(dataDirectories))
        {
            await LabPostgres.StopAsync(data);
        }

        Directory.Delete(Root, recursive: true);
    }
}
