using System.Net;
using CausalEval.Dr.Adapters.Azurite;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab.Compute;
using CausalEval.Dr.Lab.Faults;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Api;
using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Local.Scheduling;
using CausalEval.Dr.Orchestrations.Http;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Orchestrations.Drills;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Local.Hosting;

/// <param name="Worker">Run orchestrations (off for commands that only query or raise events).</param>
/// <param name="Scheduler">Fire the schedule table (only `dr serve`).</param>
/// <param name="Port">Loopback port of the HTTP API; 0 picks a free one.</param>
/// <param name="Monitor">Keep the health monitor running (when <c>Monitor:Enabled</c>).</param>
public sealed record HostMode(bool Worker, bool Scheduler, int Port, LogLevel LogLevel = LogLevel.Warning, bool Monitor = false)
{
    /// <summary>What a command embeds for its own duration: the API, a worker when orchestrations must run, the monitor for a drill.</summary>
    public static HostMode Embedded(bool worker, bool monitor = false) => new(Worker: worker, Scheduler: false, Port: 0, Monitor: monitor);

    /// <summary>`dr serve`: everything, in the foreground.</summary>
    public static HostMode Serve(int port) => new(Worker: true, Scheduler: true, Port: port, LogLevel.Information, Monitor: true);
}

/// <summary>
/// Composes the local host: configuration, the shared DR services and task registration, the DTFx
/// worker, the HTTP API and the scheduler. `dr serve` runs it in the foreground; other commands embed it.
/// </summary>
public static class LocalHost
{
    public static async Task<WebApplication> StartAsync(StateDirectory state, string? settingsFile, HostMode mode, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        var configuration = builder.Configuration;
        configuration.Sources.Clear();
        configuration.AddDrSources(settingsFile, state);
        if (string.IsNullOrEmpty(configuration["Diagnostics:JournalDirectory"]))
        {
            // Diagnostic journals stay in this state directory (ours), never in a shared folder.
            configuration.AddInMemoryCollection([new("Diagnostics:JournalDirectory", Path.Combine(state.Path, "journals"))]);
        }
        // Checked before anything starts: a topology with problems names them all, and nothing runs.
        var topology = TopologyValidator.Load(configuration);
        await UseManagedAzuriteWhereUnconfiguredAsync(configuration, state, cancellationToken);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.None);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(mode.LogLevel);
        // DTFx and the storage SDK are chatty at Information; keep them to warnings.
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning).AddFilter("Azure", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton(topology);
        services.AddSingleton<IInstanceHistory, TaskHubInstanceHistory>();
        services.AddDrServices(configuration);
        services.AddSingleton<Ui.DashboardSessions>();
        services.AddOptions<LocalRuntimeOptions>().Bind(configuration.GetSection(LocalRuntimeOptions.Section));
        services.AddSingleton(new TaskHubConnection(configuration["AzureWebJobsStorage"]!));
        services.AddSingleton<LocalTaskHub>();
        services.AddSingleton(state);
        services.AddSingleton<TaskHubInstanceStarter>();
        services.AddSingleton<IInstanceStarter>(sp => sp.GetRequiredService<TaskHubInstanceStarter>());
        // The operator API runs on the programming model's client, as in the Functions app.
        services.AddSingleton<DurableTaskClient, TaskHubDurableClient>();
        services.AddSingleton<IInstanceHistoryJson, TaskHubHistoryJson>();
        services.AddSingleton<OperatorApi>();
        services.AddSingleton<ActivityHolds>();
        if (File.Exists(LabState.FileIn(state.LabDirectory)))
        {
            // A lab is up: its workload processes are the regions' compute.
            services.AddKeyedSingleton<ICompute>(ComputeByRegion.HostDefault, (_, _) => new LabCompute(state.LabDirectory, DrProcess.Command()));
            services.AddKeyedSingleton<IFaultInjector>(FaultInjectors.Lab, (_, _) => new LabRegionLoss(new LabController(state.LabDirectory,
                DrProcess.Command())));
        }
        if (mode.Worker)
        {
            services.AddDurableTaskWorker(b =>
            {
                b.AddTasks(DrTasks.Register);
                b.UseBuildTarget<TaskHubWorkerHost>();
            });
            // The control plane's prober, for the drills (it idles until one asks).
            services.AddHostedService<DrillProber>();
        }

        if (mode.Scheduler)
        {
            services.AddSingleton(TimeProvider.System);
            services.AddHostedService<LocalScheduler>();
        }

        if (mode.Monitor && mode.Worker)
        {
            services.AddHostedService<MonitorKeeper>();
        }

        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, mode.Port);
            k.Limits.MaxRequestBodySize = Core.Requests.RequestLimits.MaxBodyBytes;
        });
        var app = builder.Build();
        LocalHttpApi.Map(app, state.ApiToken());
        Ui.DashboardRoutes.Map(app, state.ApiToken(), state.ReaderToken());

        await app.Services.GetRequiredService<LocalTaskHub>().EnsureCreatedAsync();
        await app.StartAsync(cancellationToken);
        return app;
    }

    public static string BaseUrl(WebApplication app) => app.Urls.First();

    /// <summary>No storage configured → Azurite under the state directory, for both the task hub and backups.</summary>
    private static async Task UseManagedAzuriteWhereUnconfiguredAsync(ConfigurationManager configuration, StateDirectory state,
        CancellationToken cancellationToken)
    {
        string[] keys = configuration.BackupsOnManagedAzurite() ? ["AzureWebJobsStorage", "Storage:ConnectionString"] : ["AzureWebJobsStorage"];
        var missing = keys.Where(k => string.IsNullOrWhiteSpace(configuration[k])).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var azurite = await new ManagedAzurite(state.AzuriteDirectory).EnsureRunningAsync(cancellationToken: cancellationToken);
        configuration.AddInMemoryCollection(missing.Select(k => new KeyValuePair<string, string?>(k, azurite.ConnectionString)));
    }
}
