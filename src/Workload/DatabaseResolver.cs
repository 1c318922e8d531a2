using System.Collections.Concurrent;
using System.Net;
using DnsClient;
using Npgsql;

namespace CausalEval.Dr.Workload;

/// <summary>
/// Finds the database through DNS (<c>db.{zone}</c>) on every request, as the real service does, so a
/// DNS switch during failover moves writes without restarting the workload.
/// </summary>
public sealed class DatabaseResolver(WorkloadOptions options) : IAsyncDisposable
{
    private readonly LookupClient dns = new(new LookupClientOptions(new IPEndPoint(IPAddress.Parse(options.DnsAddress), options.DnsPort))
    {
        UseCache = false,
        Timeout = TimeSpan.FromSeconds(1),
        Retries = 1,
    });

    private readonly ConcurrentDictionary<string, NpgsqlDataSource> sources = new();

    private string? current;

    public async Task<(NpgsqlDataSource Source, string Address)> ResolveAsync(CancellationToken cancellationToken)
    {
        var answer = await dns.QueryAsync($"db.{options.Zone}", QueryType.A, cancellationToken: cancellationToken);
        var address = answer.Answers.ARecords().Select(a => a.Address.ToString()).FirstOrDefault()
            ?? throw new InvalidOperationException($"db.{options.Zone} has no A record");
        if (Interlocked.Exchange(ref current, address) is { } previous && previous != address && sources.TryGetValue(previous, out var left))
        {
            // db. moved away: that server stopped or became a standby, and its pooled connections died with it. None is
            // kept for when it serves again (a pool of dead connections made the next move's warm-up time out).
            left.Clear();
        }

        var source = sources.GetOrAdd(address, a => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = a, Port = options.DatabasePort, Username = "postgres", Password = options.DatabasePassword, Database = "causal_eval",
            Timeout = 3, CommandTimeout = 10, MaxPoolSize = 20,
            GssEncryptionMode = GssEncryptionMode.Disable, // no Kerberos here: Npgsql's "prefer" probe stalled connects (DatabaseOptions)
        }.ConnectionString));
        return (source, address);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in sources.Values)
        {
            await source.DisposeAsync();
        }
    }
}
