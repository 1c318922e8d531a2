using System.Diagnostics;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CausalEval.Dr.Orchestrations.Backups;

public sealed record SwitchWalAndAwaitArchiveInput(int MaxWaitSeconds = 120);

public sealed record WalArchiveFresh(string Segment, double SecondsToArchive, string LastArchivedWal, bool InStore);

/// <summary>
/// The 15-minute "incremental" of the seed: close the current WAL segment even on an idle database (so the
/// RPO holds without traffic), then wait until archive_command has stored it and check the store has it.
/// A lagging or failing archive fails the step, naming the segment and the archiver's last failure.
/// </summary>
public sealed class SwitchWalAndAwaitArchive(IOptions<DatabaseOptions> database, TopologyOptions topology, IObjectStore store)
    : DrActivity<SwitchWalAndAwaitArchive, SwitchWalAndAwaitArchiveInput, WalArchiveFresh>
{
    public override async Task<WalArchiveFresh> RunAsync(TaskActivityContext context, SwitchWalAndAwaitArchiveInput input)
    {
        var options = database.Value;
        await using var connection = new NpgsqlConnection(options.ConnectionString(DatabaseEndpoint.Resolve(topology, BackupSources.Primary)));
        await connection.OpenAsync();

        // A write first, so the switch always closes a segment (pg_switch_wal is a no-op on an untouched one).
        await using (var mark = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal()) FROM (SELECT txid_current()) t", connection))
        {
            await mark.ExecuteScalarAsync();
        }

        await using var last = new NpgsqlCommand("SELECT pg_walfile_name(pg_current_wal_lsn() - 1)", connection);
        var segment = (string)(await last.ExecuteScalarAsync())!;
        var clock = Stopwatch.StartNew();
        string archived = "", failed = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(input.MaxWaitSeconds))
        {
            await using var status = new NpgsqlCommand("SELECT coalesce(last_archived_wal, ''), coalesce(last_failed_wal, '') || ' at ' || " +
                "coalesce(last_failed_time::text, '-') FROM pg_stat_archiver", connection);
            await using (var reader = await status.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                (archived, failed) = (reader.GetString(0), reader.GetString(1));
            }

            if (string.CompareOrdinal(archived, segment) >= 0)
            {
                // archive_command said yes; recovery reads the configured store, so that is where it must be.
                if (await store.GetInfoAsync(WalArchive.KeyOf(segment)) is null)
                {
                    throw new DrConfigurationException($"PostgreSQL archived {segment}, but {store.Location} does not have it: archive_command does not " +
                        $"write to the configured store");
                }

                return new WalArchiveFresh(segment, Math.Round(clock.Elapsed.TotalSeconds, 2), archived, InStore: true);
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"WAL segment {segment} was not archived within {input.MaxWaitSeconds} s (last archived: '{archived}', last failure: " +
            $"{failed}): the database RPO is at risk");
    }
}
