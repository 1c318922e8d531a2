using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="AgeSeconds">Since the serving primary last archived a segment: what a restore from the archive alone would lose now (null: it
/// never did).</param>
public sealed record ArchiveAge(string? LastArchivedWal, double? AgeSeconds, long FailedCount);

/// <summary>
/// The age of the newest data the archive holds, from the serving primary's archiver (<c>pg_stat_archiver</c>), read before
/// the drill switches WAL itself: the data age a restore is judged by against the database RPO. Reads only.
/// </summary>
public sealed class ReadArchiveAge(IOptions<DatabaseOptions> database, TopologyOptions topology, ServingPrimaryStore servingPrimary)
    : DrActivity<ReadArchiveAge, string, ArchiveAge>
{
    public override async Task<ArchiveAge> RunAsync(TaskActivityContext context, string drill)
    {
        var endpoint = DatabaseEndpoint.Resolve(topology, BackupSources.Primary, (await servingPrimary.ReadAsync())?.Node);
        await using var connection = new NpgsqlConnection(database.Value.ConnectionString(endpoint));
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT last_archived_wal, extract(epoch FROM now() - last_archived_time)::float8, failed_count " +
            "FROM pg_stat_archiver", connection);
        await using var row = await read.ExecuteReaderAsync();
        await row.ReadAsync();
        return new ArchiveAge(row.IsDBNull(0) ? null : row.GetString(0), row.IsDBNull(1) ? null : Math.Round(row.GetDouble(1), 3), row.GetInt64(2));
    }
}
