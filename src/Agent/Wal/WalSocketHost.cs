using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Wal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The agent's WAL endpoints, on the node's Unix socket in the agent's own folder (<see cref="AgentRuntimeDirectory"/>)
/// that only the server's user may open, for archive_command and restore_command:
/// <code>
/// POST /archive/{name}   200 once the segment is in the store (409: the archive holds a different one)
/// POST /stage/{name}     the path of a spool file holding it, for the server to link; 404 when the archive does not have it
/// </code>
/// </summary>
public static class WalSocketHost
{
    /// <param name="runtime">The agent's own folder for its node (made anew at its start: no socket of a killed agent is left there).</param>
    /// <param name="prefetcher">The agent's one prefetcher: its recover jobs name the folders it fills.</param>
    public static async Task<WebApplication> StartAsync(AgentSettings settings, AgentRuntimeDirectory runtime, ILoggerFactory loggers, WalPrefetcher prefetcher,
        CancellationToken cancellationToken)
    {
        var socket = runtime.Socket;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<WalUploader>();
        builder.Services.AddSingleton(prefetcher);
        builder.WebHost.UseKestrel(k => k.ListenUnixSocket(socket));
        var app = builder.Build();
        app.MapPost("/archive/{name}", async (string name, HttpRequest request, WalUploader uploader, CancellationToken ct) =>
        {
            // archive_command runs in the server's data directory; a server whose settings name another node's
            // socket (a promoted standby inherits its primary's) is sent to its fallback, never served wrong files.
            var from = request.Headers["X-Data-Directory"].ToString().TrimEnd('/');
            if (from != settings.DataDirectory.TrimEnd('/'))
            {
                return Results.Json(new { error = $"this agent archives {settings.DataDirectory}, not '{from}'" },
                    statusCode: StatusCodes.Status421MisdirectedRequest);
            }

            try
            {
                var result = await uploader.ArchiveAsync(name, ct);
                return Results.Ok(new { result.Name, result.AlreadyArchived });
            }
            catch (WalConflictException e)
            {
                return Results.Conflict(new { error = e.Message });
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }
        });
        app.MapPost("/stage/{name}", async (string name, HttpRequest request, WalPrefetcher prefetcher, CancellationToken ct) =>
        {
            try
            {
                // The asking server's data directory (restore_command's working directory) keys its prefetch window.
                var from = request.Headers["X-Data-Directory"].ToString().TrimEnd('/');
                return await prefetcher.StageAsync(name, from, ct) is { } path ? Results.Text(path) : Results.NotFound();
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(new { error = e.Message });
            }
        });
        await app.StartAsync(cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await PgCtl.GiveToServerAsync(socket); // the server's user, and only it, may ask
        }

        return app;
    }
}
