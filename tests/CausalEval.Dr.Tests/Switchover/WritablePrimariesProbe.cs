using Npgsql;

namespace CausalEval.Dr.Tests.Switchover;

/// <summary>
/// Every 100 ms, tries one write on each node at once (an INSERT into dr_probe): a sample is the set of nodes that took it.
/// Two in one sample would be a split brain; none is an outage: no write within 5 s (a loaded 2-core machine can take more
/// than a second to connect, which is slow, not down).
/// </summary>
public sealed class WritablePrimariesProbe : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> nodes;
    private readonly CancellationTokenSource stop = new();
    private readonly List<(DateTimeOffset At, IReadOnlyList<string> Writable)> samples = [];
    private readonly Task loop;

    private WritablePrimariesProbe(IReadOnlyDictionary<string, string> nodes)
    {
        this.nodes = nodes;
        loop = Task.Run(LoopAsync);
    }

    /// <summary>Creates the probe table on <paramref name="primary"/> (it replicates) and starts sampling.</summary>
    public static async Task<WritablePrimariesProbe> StartAsync(string primary, IReadOnlyDictionary<string, string> nodes)
    {
        await using (var connection = new NpgsqlConnection(nodes[primary]))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS dr_probe (node text NOT NULL, at timestamptz NOT NULL DEFAULT " +
                "clock_timestamp())", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new WritablePrimariesProbe(nodes);
    }

    public IReadOnlyList<(DateTimeOffset At, IReadOnlyList<string> Writable)> Samples
    {
        get
        {
            lock (samples)
            {
                return samples.ToList();
            }
        }
    }

    private async Task LoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var at = DateTimeOffset.UtcNow;
            var wrote = await Task.WhenAll(nodes.Select(async n => await TryWriteAsync(n.Key, n.Value) ? n.Key : null));
            lock (samples)
            {
                samples.Add((at, wrote.OfType<string>().Order().ToList()));
            }

            var next = at.AddMilliseconds(100) - DateTimeOffset.UtcNow;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }
    }

    private static async Task<bool> TryWriteAsync(string node, string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Timeout=5;Command Timeout=5");
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO dr_probe (node) VALUES ($1)", connection) { Parameters = { new() { Value = node } } };
            return await insert.ExecuteNonQueryAsync() == 1;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
