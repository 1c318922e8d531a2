using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Count">Rows to write, one transaction each.</param>
/// <param name="IntervalMs">Between two rows: the gaps a restore target is put in.</param>
public sealed record WriteDrillMarkersInput(string Drill, int Count = 40, int IntervalMs = 100);

/// <param name="WrittenAt">The server's clock inside the row's transaction (<c>clock_timestamp()</c>).</param>
/// <param name="AckMs">How long the commit took to be acknowledged: the row is committed before WrittenAt + AckMs.</param>
public sealed record DrillMarker(int Seq, DateTimeOffset WrittenAt, double AckMs);

/// <summary>
/// The truth a restore is checked against: rows written into <c>dr_drill_markers</c> on the serving primary (database
/// <c>postgres</c>), one committed transaction each at a steady pace, each with the server's time. A restore to a time in
/// the gap between two rows must hold exactly the rows before it. A rerun starts the drill's rows over (its earlier
/// rows are deleted first, so the truth is this run's).
/// </summary>
public sealed class WriteDrillMarkers(IOptions<DatabaseOptions> database, TopologyOptions topology, ServingPrimaryStore servingPrimary)
    : DrActivity<WriteDrillMarkers, WriteDrillMarkersInput, IReadOnlyList<DrillMarker>>
{
    public const string Table = "dr_drill_markers";

    public const string CreateTable = $"CREATE TABLE IF NOT EXISTS {Table} (drill text NOT NULL, seq int NOT NULL, " +
        "written_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (drill, seq))";

    public override async Task<IReadOnlyList<DrillMarker>> RunAsync(TaskActivityContext context, WriteDrillMarkersInput input)
    {
        var serving = (await servingPrimary.ReadAsync())?.Node;
        var endpoint = DatabaseEndpoint.Resolve(topology, BackupSources.Primary, serving);
        await using var connection = new NpgsqlConnection(database.Value.ConnectionString(endpoint));
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(CreateTable, connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var clear = new NpgsqlCommand($"DELETE FROM {Table} WHERE drill = $1", connection) { Parameters = { new() { Value = input.Drill } } })
        {
            await clear.ExecuteNonQueryAsync();
        }

        var markers = new List<DrillMarker>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var seq = 1; seq <= input.Count; seq++)
        {
            var wait = TimeSpan.FromMilliseconds(input.IntervalMs * (seq - 1)) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var sent = clock.Elapsed;
            await using var insert = new NpgsqlCommand($"INSERT INTO {Table} (drill, seq) VALUES ($1, $2) RETURNING written_at", connection)
            {
                Parameters = { new() { Value = input.Drill }, new() { Value = seq } },
            };
            var writtenAt = (DateTime)(await insert.ExecuteScalarAsync())!;
            markers.Add(new DrillMarker(seq, new DateTimeOffset(DateTime.SpecifyKind(writtenAt, DateTimeKind.Utc)),
                Math.Round((clock.Elapsed - sent).TotalMilliseconds, 3)));
        }

        return markers;
    }
}
