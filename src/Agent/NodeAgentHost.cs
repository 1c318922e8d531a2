using System.Net;
using CausalEval.Dr.Agent.Jobs;
using CausalEval.Dr.Agent.Postgres;
using CausalEval.Dr.Agent.Wal;
using CausalEval.Dr.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Agent;

/// <summary>Runs one node's agent in the foreground, over HTTPS, on the address it was told (or its topology entry names).</summary>
public static class NodeAgentHost
{
    public static async Task RunAsync(AgentSettings settings, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSingleton(settings);
        // The agent's own folder (WAL socket, spool) exists before PostgreSQL starts: archive_command never finds its path free for another to bind.
        var runtime = AgentRuntimeDirectory.Prepare(settings.RuntimeDirectory, settings.DataDirectory);
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton<ServingPrimaryGuard>();
        builder.Services.AddSingleton<PostgresNode>();
        builder.Services.AddSingleton<AgentJobs>();
        builder.Services.AddSingleton<WalPrefetcher>();
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = DrJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.PropertyNameCaseInsensitive = true;
        });
        builder.WebHost.UseKestrel(k =>
        {
            // HTTPS only, on the address it was told: the token acts as root on this host.
            k.Listen(settings.Listen, listen => listen.UseHttps(settings.Certificate));
            k.Limits.MaxRequestBodySize = Core.Requests.RequestLimits.MaxBodyBytes;
        });
        await using var app = builder.Build();
        NodeAgentApi.Map(app, settings.Token);
        app.Services.GetRequiredService<AgentJobs>(); // loads the jobs of an earlier run before the first request
        await using var wal = await WalSocketHost.StartAsync(settings, runtime, app.Services.GetRequiredService<ILoggerFactory>(),
            app.Services.GetRequiredService<WalPrefetcher>(), cancellationToken);
        if (settings.StartPostgres)
        {
            // A host booting: the agent starts its server (as Patroni does), so the DR state is consulted first.
            try
            {
                var status = await app.Services.GetRequiredService<PostgresNode>().StartAsync(cancellationToken);
                app.Logger.LogInformation("Started {Node}: {Role}{Fenced}", settings.Node, status.Role, status.Fenced ? " (fenced)" : "");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                app.Logger.LogError("Did not start {Node}: {Error}", settings.Node, e.Message);
            }
        }

        await app.StartAsync(cancellationToken);
        app.Logger.LogInformation("Agent of {Node} ({Data}) on https://{Listen}, WAL on {Socket}", settings.Node, settings.DataDirectory, settings.Listen,
            runtime.Socket);
        await app.WaitForShutdownAsync(cancellationToken);
    }
}
