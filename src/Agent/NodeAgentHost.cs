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

/// <summary>Runs one node's agent in the foreground, on the address its topology entry names.</summary>
public static class NodeAgentHost
{
    public static async Task RunAsync(AgentSettings settings, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ServingPrimaryGuard>();
        builder.Services.AddSingleton<PostgresNode>();
        builder.Services.AddSingleton<AgentJobs>();
        builder.Services.AddSingleton<WalPrefetcher>();
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = DrJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.PropertyNameCaseInsensitive = true;
        });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.TryParse(settings.Listen.Host, out var address) ? address : IPAddress.Any, settings.Listen.Port));
        await using var app = builder.Build();
        NodeAgentApi.Map(app, settings.Token);
        app.Services.GetRequiredService<AgentJobs>(); // loads the jobs of an earlier run before the first request
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
        await using var wal = await WalSocketHost.StartAsync(settings, app.Services.GetRequiredService<ILoggerFactory>(),
            app.Services.GetRequiredService<WalPrefetcher>(), cancellationToken);
        app.Logger.LogInformation("Agent of {Node} ({Data}) on {Url}, WAL on {Socket}", settings.Node, settings.DataDirectory, settings.Listen,
            Adapters.Wal.WalSocket.PathFor(settings.DataDirectory));
        await app.WaitForShutdownAsync(cancellationToken);
    }
}
