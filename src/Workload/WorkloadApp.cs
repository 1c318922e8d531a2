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
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(options.Address), options.Port));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<DatabaseResolver>();
        var metrics = new WorkloadMetrics();
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(new ConfigurationOptions
        {
            EndPoints = { { options.RedisAddress, options.RedisPort } },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
        }));

        await using var app = builder.Build();
        app.MapPost("/evaluations", CreateEvaluationAsync);
        app.MapGet("/health", HealthAsync);
        app.MapPost("/sessions", CreateSessionAsync);
        app.MapGet("/config", () => Results.Text(File.ReadAllText(options.ConfigFile), "application/json"));
        await app.StartAsync(cancellationToken);
        // Stops with the host: on SIGTERM the host's own lifetime stops it, which need not cancel the command's token.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        var writing = metrics.WriteEveryAsync(options, TimeSpan.FromSeconds(10), stopping.Token);
        await app.WaitForShutdownAsync(cancellationToken);
        await writing;
    }

    public sealed record EvaluationRequest(string ClientId, JsonElement? Payload);

    private static async Task<IResult> CreateEvaluationAsync(EvaluationRequest request, DatabaseResolver resolver, IConnectionMultiplexer redis, WorkloadOptions options,
        WorkloadMetrics metrics, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.ClientId))
        {
            return Results.BadRequest(new { error = "clientId is required" });
        }

        long id;
        string database;
        try
        {
            var (source, address) = await resolver.ResolveAsync(ct);
            database = address;
            await using var command = source.CreateCommand("INSERT INTO evaluations (client_id, payload) VALUES ($1, $2::jsonb) RETURNING id");
            command.Parameters.AddWithValue(request.ClientId);
            command.Parameters.AddWithValue(request.Payload?.GetRawText() ?? "{}");
            id = (long)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or DnsClient.DnsResponseException)
        {
            metrics.Record(ok: false);
            return Results.Json(new { error = $"database unavailable: {e.Message}" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        metrics.Record(ok: true);

        // The queue is secondary state: the write above is what was acknowledged.
        _ = redis.GetDatabase().ListLeftPushAsync(QueueKey, id, flags: CommandFlags.FireAndForget);
        return Results.Json(new { id, region = options.Region, instance = options.Address, database }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> HealthAsync(DatabaseResolver resolver, IConnectionMultiplexer redis, WorkloadOptions options, CancellationToken ct)
    {
        string database;
        try
        {
            var (source, address) = await resolver.ResolveAsync(ct);
            await using var command = source.CreateCommand("SELECT NOT pg_is_in_recovery()");
            database = (bool)(await command.ExecuteScalarAsync(ct))! ? "writable" : $"read-only ({address} is a standby)";
        }
        catch (Exception e)
        {
            database = $"unreachable: {e.Message}";
        }

        string cache;
        try
        {
            await redis.GetDatabase().PingAsync();
            cache = "reachable";
        }
        catch (Exception e)
        {
            cache = $"unreachable: {e.Message}";
        }

        var healthy = database == "writable" && cache == "reachable";
        return Results.Json(new { status = healthy ? "healthy" : "unhealthy", region = options.Region, database, redis = cache },
            statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

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
