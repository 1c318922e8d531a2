using Npgsql;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// Waits until the server has archived the WAL segment holding a backup's stop LSN, asking pg_stat_archiver every few
/// milliseconds. pg_backup_stop's own wait (wait_for_archive = true) looks once a second, which made a one-second floor under
/// every incremental; pgBackRest likewise stops without waiting and checks the archive itself.
/// </summary>
public static class WalArchiveWait
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(20);

    /// <exception cref="TimeoutException">Not archived within <paramref name="timeout"/>: names the segment and the archiver's last failure.</exception>
    public static async Task WaitAsync(NpgsqlConnection session, string stopLsn, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('archive_mode') <> 'off', pg_walfile_name($1::pg_lsn), last_archived_wal, last_failed_wal, last_failed_time::text " +
            "FROM pg_stat_archiver", session);
        command.Parameters.AddWithValue(stopLsn);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                if (!reader.GetBoolean(0))
                {
                    return; // no archiving: nothing to wait for (PostgreSQL's own wait says the same in a notice)
                }

                var segment = reader.GetString(1);
                var archived = reader.IsDBNull(2) ? null : reader.GetString(2);
                // Segments are archived oldest first, and their names sort by timeline and position; a history or .backup file's
                // name starts with the segment it follows, or is shorter (a timeline history): only full names count.
                if (archived is { Length: >= 24 } && string.CompareOrdinal(archived[..24], segment) >= 0)
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    var failed = reader.IsDBNull(3) ? "no archive failure recorded" : $"the last failure: {reader.GetString(3)} at {reader.GetString(4)}";
                    throw new TimeoutException($"WAL segment {segment} (the backup's stop point {stopLsn}) was not archived within " +
                        $"{timeout.TotalSeconds:0} s; the last archived is {archived ?? "none"}, {failed}");
                }
            }

            await Task.Delay(Every, cancellationToken);
        }
    }
}
