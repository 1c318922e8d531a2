using Npgsql;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>One statement on a fresh connection (tests that check a cluster from outside, as a client would).</summary>
public static class Sql
{
    public static async Task<object?> ScalarAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return await command.ExecuteScalarAsync();
    }

    public static async Task ExecuteAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Switches to a new WAL segment and waits until the archiver reports the finished one archived.</summary>
    public static async Task SwitchAndWaitArchivedAsync(string connection)
    {
        var segment = (string)(await ScalarAsync(connection, "SELECT pg_walfile_name(pg_switch_wal())"))!;
        for (var i = 0; i < 100; i++)
        {
            if ((bool)(await ScalarAsync(connection, $"SELECT coalesce(last_archived_wal, '') >= '{segment}' FROM pg_stat_archiver"))!)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"segment {segment} was not archived in 10 s");
    }
}
