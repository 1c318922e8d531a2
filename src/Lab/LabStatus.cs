using System.Net;
using System.Text.Json.Nodes;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Adapters.Processes;
using DnsClient;
using Npgsql;

namespace CausalEval.Dr.Lab;

/// <summary>What `dr lab status` reports: each process alive and listening, replication, DNS answers, workload health.</summary>
public static class LabStatus
{
    public static async Task<JsonObject> ReadAsync(LabState state, string labDirectory)
    {
        var processes = new JsonArray();
        foreach (var p in state.Processes)
        {
            processes.Add(new JsonObject
            {
                ["name"] = p.Name,
                ["region"] = p.Region,
                ["pid"] = p.Pid,
                ["alive"] = p.MayBeAlive,
                ["endpoint"] = $"{p.Address}:{string.Join(',', p.Ports)}",
                ["listening"] = p.Ports.All(port => Ports.IsListening(p.Address, port)),
                ["dataDirectory"] = p.DataDirectory,
            });
        }

        return new JsonObject
        {
            ["zone"] = state.Zone,
            ["startedAt"] = state.StartedAt.ToString("O"),
            ["processes"] = processes,
            ["servingPrimary"] = (await ServingPrimaryAsync(state, labDirectory))?.Name,
            ["replication"] = await ReplicationAsync(state, labDirectory),
            ["archiving"] = await ArchivingAsync(state, labDirectory),
            ["dns"] = await DnsAsync(state),
        };
    }

    /// <summary>pg_stat_replication on the serving primary: one row per standby.</summary>
    public static Task<JsonNode> ReplicationAsync(LabState state, string labDirectory) => QueryPrimaryAsync(state, labDirectory, async connection =>
    {
        await using var command = new NpgsqlCommand("SELECT application_name, client_addr::text, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), " +
            "replay_lsn)::bigint FROM pg_stat_replication", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new JsonArray();
        while (await reader.ReadAsync())
        {
            rows.Add(new JsonObject
            {
                ["applicationName"] = reader.GetString(0),
                ["clientAddress"] = reader.IsDBNull(1) ? null : reader.GetString(1),
                ["state"] = reader.GetString(2),
                ["syncState"] = reader.GetString(3),
                ["replayLagBytes"] = reader.IsDBNull(4) ? null : reader.GetInt64(4),
            });
        }

        return rows;
    });

    /// <summary>
    /// WAL archiving as the primary sees it: the last archived segment and when, failures, and how many
    /// finished segments still wait for archive_command (.ready files): the archive's lag behind the primary.
    /// </summary>
    public static Task<JsonNode> ArchivingAsync(LabState state, string labDirectory) => QueryPrimaryAsync(state, labDirectory, async connection =>
    {
        await using var command = new NpgsqlCommand("""
            SELECT archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal,
                   (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'),
                   extract(epoch FROM now() - last_archived_time)
            FROM pg_stat_archiver
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new JsonObject
        {
            ["archivedCount"] = reader.GetInt64(0),
            ["lastArchivedWal"] = reader.IsDBNull(1) ? null : reader.GetString(1),
            ["lastArchivedAt"] = reader.IsDBNull(2) ? null : reader.GetDateTime(2).ToUniversalTime().ToString("O"),
            ["failedCount"] = reader.GetInt64(3),
            ["lastFailedWal"] = reader.IsDBNull(4) ? null : reader.GetString(4),
            ["segmentsWaiting"] = reader.GetInt64(5),
            ["secondsSinceLastArchive"] = reader.IsDBNull(6) ? null : Math.Round(reader.GetDouble(6), 1),
        };
    });

    /// <summary>
    /// The PostgreSQL process of the node the DR state names serving (after a switchover or failover, the secondary
    /// region's), else the primary region's: status describes who serves now, not who served first.
    /// </summary>
    public static async Task<LabProcess?> ServingPrimaryAsync(LabState state, string labDirectory)
    {
        var store = new Adapters.Storage.LocalDirectoryObjectStore(LabSettings.BackupStore(labDirectory));
        var serving = await new Adapters.Failover.ServingPrimaryStore(store).ReadAsync();
        var region = serving?.Region ?? state.Processes.FirstOrDefault(p => p.Name == "postgres-primary")?.Region;
        return state.Processes.FirstOrDefault(p => p.Kind == "postgres" && p.Region == region)
            ?? (serving is null ? null
                : state.Processes.FirstOrDefault(p => p.Kind == "agent" && p.Region == region && p.DataDirectory is not null) is { } agent
                ? new LabProcess($"postgres-{region}", "postgres", region!, 0, agent.Address, [state.Ports["postgres"]], agent.DataDirectory)
                : null);
    }

    /// <summary>Runs a query on the lab's serving primary; an unreachable primary is reported, not thrown.</summary>
    private static async Task<JsonNode> QueryPrimaryAsync(LabState state, string labDirectory, Func<NpgsqlConnection, Task<JsonNode>> query)
    {
        var primary = await ServingPrimaryAsync(state, labDirectory);
        if (primary is null)
        {
            return new JsonObject { ["error"] = "no primary" };
        }

        try
        {
            await using var connection = new NpgsqlConnection(state.ConnectionString(primary.Address, primary.Ports[0]));
            await connection.OpenAsync();
            return await query(connection);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return new JsonObject { ["error"] = e.Message };
        }
    }

    public static async Task<JsonObject> DnsAsync(LabState state)
    {
        var dns = state.Find("dns");
        var result = new JsonObject();
        if (dns is null)
        {
            return result;
        }

        foreach (var name in new[] { "api", "db" })
        {
            result[name] = new JsonArray((await ResolveAsync(dns.Address, dns.Ports[0], $"{name}.{state.Zone}")).Select(a => (JsonNode)a).ToArray());
        }

        return result;
    }

    /// <summary>A real DNS query (UDP) to the lab's server, no cache.</summary>
    public static async Task<IReadOnlyList<string>> ResolveAsync(string server, int port, string name)
    {
        var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Parse(server), port)) { UseCache = false,
            Timeout = TimeSpan.FromSeconds(1), Retries = 1 });
        try
        {
            var answer = await client.QueryAsync(name, QueryType.A);
            return answer.Answers.ARecords().Select(a => a.Address.ToString()).Order().ToList();
        }
        catch (DnsResponseException)
        {
            return [];
        }
    }
}
