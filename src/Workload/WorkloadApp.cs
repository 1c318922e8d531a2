using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace CausalEval.Dr.Workload;

/// <summary>
/// The stand-in for the causal evaluation API. It holds the state the seed protects: evaluations in
/// PostgreSQL, user sessions and the evaluation queue in Redis, a configuration file and a model cache.
/// A write is acknowledged only after PostgreSQL committed it: the ledger's "acknowledged" means durable.
/// </summary>
public static class WorkloadApp
{
    public const string QueueKey = "evaluation-queue";
    public const string SessionPrefix = "session:";

    public static async Task RunAsync(WorkloadOptions options, CancellationToken cancellationToken)
    {
        PrepareState(options);
        // Connected before the first request, asynchronously. Connecting lazily (a DI factory calling the
        // synchronous Connect) blocked every thread of a cold instance's first burst while the pool grew a
        // thread at a time: 50 concurrent first requests took 6-7 s each.
        var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { options.RedisAddress, options.RedisPort } },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(options.Address), options.Port));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<DatabaseResolver>();
        builder.Services.AddSingleton<ArtifactWriter>();
        builder.Services.AddSingleton<Maintenance>();
        var metrics = new WorkloadMetrics();
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);

        await using var app = builder.Build();
        app.MapPost("/evaluations", CreateEvaluationAsync);
        app.MapGet("/evaluations/{id:long}", ReadEvaluationAsync);
        app.MapGet("/health", HealthAsync);
        app.MapPost("/sessions", CreateSessionAsync);
        app.MapPost("/maintenance", (MaintenanceRequest request, Maintenance maintenance) =>
        {
            maintenance.Draining = request.Draining;
            return Results.Json(new { draining = maintenance.Draining, region = options.Region, instance = options.Address });
        });
        app.MapPost("/warmup", WarmUpAsync);
        app.MapGet("/config", () => Results.Text(File.ReadAllText(options.ConfigFile), "application/json"));
        await app.StartAsync(cancellationToken);
        // Run the write path once in the background (rolled back), so its code is compiled before the first
        // real request; in a region that does not serve yet it reaches the serving primary through db.
        _ = Task.Run(() => WarmUpAsync(4, app.Services.GetRequiredService<DatabaseResolver>(), redis, options, CancellationToken.None), CancellationToken.None);
        // Stops with the host: on SIGTERM the host's own lifetime stops it, which need not cancel the command's token.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        var writing = metrics.WriteEveryAsync(options, TimeSpan.FromSeconds(10), stopping.Token);
        var artifacts = app.Services.GetRequiredService<ArtifactWriter>().RunAsync(stopping.Token);
        await app.WaitForShutdownAsync(cancellationToken);
        await writing;
        await artifacts;
        await redis.DisposeAsync();
    }

    public sealed record EvaluationRequest(string ClientId, JsonElement? Payload);

    public sealed record MaintenanceRequest(bool Draining);

    /// <summary>Set while the instance is drained (a failover away from its region): it answers 503 to new work.</summary>
    public sealed class Maintenance
    {
        public volatile bool Draining;
    }

    /// <summary>
    /// Commits the evaluation and queues it in one unit: the id is pushed to the queue (awaited) inside the
    /// transaction, and only then committed. So an acknowledged evaluation is both durable and queued; a push
    /// that fails (a read-only Redis replica) fails the request and nothing is committed. A commit that fails
    /// after the push leaves an id in the queue without a row, which workers skip.
    /// </summary>
    private static async Task<IResult> CreateEvaluationAsync(EvaluationRequest request, DatabaseResolver resolver, IConnectionMultiplexer redis,
        WorkloadOptions options, WorkloadMetrics metrics, Maintenance maintenance, ArtifactWriter artifacts, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.ClientId))
        {
            return Results.BadRequest(new { error = "clientId is required" });
        }

        if (maintenance.Draining)
        {
            metrics.Record(ok: false);
            return Draining(options);
        }

        long id;
        string database;
        NpgsqlDataSource? source = null;
        try
        {
            (source, var address) = await resolver.ResolveAsync(ct);
            database = address;
            await using var connection = await source.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var command = new NpgsqlCommand("INSERT INTO evaluations (client_id, payload) VALUES ($1, $2::jsonb) RETURNING id", connection,
                transaction))
            {
                command.Parameters.AddWithValue(request.ClientId);
                command.Parameters.AddWithValue(request.Payload?.GetRawText() ?? "{}");
                id = (long)(await command.ExecuteScalarAsync(ct))!;
            }

            await redis.GetDatabase().ListLeftPushAsync(QueueKey, id);
            await transaction.CommitAsync(ct);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            metrics.Record(ok: false);
            if (e is NpgsqlException { IsTransient: true } && e is not PostgresException)
            {
                // The server went away (restarted, failed over): every pooled connection to it is dead; the next request opens fresh ones.
                source?.Clear();
            }

            var what = e is RedisException or TimeoutException ? "queue" : "database";
            return Results.Json(new { error = $"{what} unavailable: {e.Message}" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        metrics.Record(ok: true);
        artifacts.Committed(id);
        return Results.Json(new { id, region = options.Region, instance = options.Address, database }, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Reads an evaluation back from the database DNS names now: how a verification proves a write landed.</summary>
    private static async Task<IResult> ReadEvaluationAsync(long id, DatabaseResolver resolver, IConnectionMultiplexer redis, CancellationToken ct)
    {
        try
        {
            var (source, address) = await resolver.ResolveAsync(ct);
            await using var command = source.CreateCommand("SELECT client_id, payload::text, created_at FROM evaluations WHERE id = $1");
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return Results.NotFound(new { error = $"no evaluation {id} in {address}" });
            }

            var (clientId, payload, createdAt) = (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
            var position = await redis.GetDatabase().ListPositionAsync(QueueKey, id);
            return Results.Json(new { id, clientId, payload = JsonDocument.Parse(payload).RootElement, createdAt, database = address, queued = position >= 0 });
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return Results.Json(new { error = $"unavailable: {e.Message}" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>
    /// Exercises the write path <paramref name="requests"/> times at once (DNS, a pooled connection each, an
    /// INSERT rolled back, a queue round trip), so an instance that has served nothing yet is warm before
    /// traffic arrives. Writes nothing.
    /// </summary>
    private static async Task<IResult> WarmUpAsync(int? requests, DatabaseResolver resolver, IConnectionMultiplexer redis, WorkloadOptions options,
        CancellationToken ct)
    {
        var count = Math.Clamp(requests ?? 20, 1, 200);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                var (source, _) = await resolver.ResolveAsync(ct);
                await using var connection = await source.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using var command = new NpgsqlCommand("INSERT INTO evaluations (client_id, payload) VALUES ('dr-warmup', '{}'::jsonb) RETURNING id",
                    connection, transaction);
                await command.ExecuteScalarAsync(ct);
                await transaction.RollbackAsync(ct);
                await redis.GetDatabase().PingAsync();
            }));
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return Results.Json(new { error = $"warm-up failed: {e.GetType().Name}: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})"
                : "")}" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Json(new { warmed = count, milliseconds = clock.Elapsed.TotalMilliseconds, region = options.Region, instance = options.Address });
    }

    /// <summary>Asked on a pooled connection; one the server closed since (a restart, a role change) fails once: the pool is emptied and a
    /// fresh connection asks again, so a healthy database is never reported unreachable for a stale socket.</summary>
    private static async Task<bool> IsWritableAsync(Npgsql.NpgsqlDataSource source, CancellationToken ct)
    {
        try
        {
            await using var command = source.CreateCommand("SELECT NOT pg_is_in_recovery()");
            return (bool)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (Npgsql.NpgsqlException)
        {
            source.Clear();
            await using var again = source.CreateCommand("SELECT NOT pg_is_in_recovery()");
            return (bool)(await again.ExecuteScalarAsync(ct))!;
        }
    }

    private static async Task<IResult> HealthAsync(DatabaseResolver resolver, IConnectionMultiplexer redis, WorkloadOptions options, Maintenance maintenance,
        CancellationToken ct)
    {
        if (maintenance.Draining)
        {
            return Draining(options);
        }

        string database;
        try
        {
            var (source, address) = await resolver.ResolveAsync(ct);
            database = await IsWritableAsync(source, ct) ? "writable" : $"read-only ({address} is a standby)";
        }
        catch (Exception e)
        {
            database = $"unreachable: {e.Message}{(e.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "")}";
        }

        string cache;
        try
        {
            // A replica answers PING: the queue is usable only where Redis is a master.
            var server = redis.GetServers().FirstOrDefault();
            await redis.GetDatabase().PingAsync();
            cache = server is { IsReplica: true } ? "read-only (replica)" : "reachable";
        }
        catch (Exception e)
        {
            cache = $"unreachable: {e.Message}";
        }

        var healthy = database == "writable" && cache == "reachable";
        return Results.Json(new { status = healthy ? "healthy" : "unhealthy", region = options.Region, database, redis = cache },
            statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The database or the queue cannot be had right now (down, read-only, not resolvable): a 503, not a crash.</summary>
    private static bool IsUnavailable(Exception e) =>
        e is NpgsqlException or InvalidOperationException or DnsClient.DnsResponseException or RedisException or TimeoutException;

    private static IResult Draining(WorkloadOptions options) =>
        Results.Json(new { status = "draining", error = $"{options.Address} is drained (its region is failed away from)", region = options.Region },
            statusCode: StatusCodes.Status503ServiceUnavailable);

    public sealed record SessionRequest(string User);

    private static async Task<IResult> CreateSessionAsync(SessionRequest request, IConnectionMultiplexer redis)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await redis.GetDatabase().HashSetAsync(SessionPrefix + id, [new("user", request.User), new("created", DateTimeOffset.UtcNow.ToString("O"))]);
        return Results.Json(new { id }, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>The configuration file and model cache the application-state backups protect.</summary>
    private static void PrepareState(WorkloadOptions options)
    {
        if (!File.Exists(options.ConfigFile))
        {
            throw new FileNotFoundException($"workload configuration {options.ConfigFile} is missing");
        }

        Directory.CreateDirectory(options.ModelCacheDirectory);
        var model = Path.Combine(options.ModelCacheDirectory, "causal-model-v1.bin");
        if (!File.Exists(model))
        {
            File.WriteAllBytes(model, RandomNumberGenerator.GetBytes(256 * 1024));
        }
    }
}
