using Npgsql;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>Checks a cluster answers before a step writes anything about it: an unreachable database leaves no trace.</summary>
public static class DatabaseProbe
{
    public static async Task EnsureReachableAsync(DatabaseOptions database, DatabaseEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString(endpoint));
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException($"database {endpoint} is unreachable: {e.Message}", e);
        }
    }
}
