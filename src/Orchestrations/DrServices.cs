using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.ApplicationState;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Diagnostics;
using CausalEval.Dr.Orchestrations.Http;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations;

/// <summary>The services the activities need, registered the same way by both hosts.</summary>
public static class DrServices
{
    public static IServiceCollection AddDrServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDrTelemetry(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));
        foreach (var (kind, section) in FileSets.Sections)
        {
            services.AddOptions<FileSetOptions>(kind.Name).Bind(configuration.GetSection(section));
        }

        services.AddOptions<ApplicationStateOptions>().Bind(configuration.GetSection(ApplicationStateOptions.Section));
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).PostConfigure(o => o.WithPasswordFrom(configuration));
        services.AddOptions<DiagnosticsOptions>().Bind(configuration.GetSection(DiagnosticsOptions.Section));

        // Read and checked once (a host that checked it at start registers its own); a topology with problems
        // fails every step that needs it, naming them all.
        services.TryAddSingleton(sp => TopologyValidator.Load(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IObjectStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.CreateStore());
        services.AddSingleton<BackupCatalog>();
        services.AddSingleton<NodeAgents>();
        services.AddOptions<Adapters.Faults.DrillOptions>().Bind(configuration.GetSection(Adapters.Faults.DrillOptions.Section));
        services.AddSingleton<Drills.FaultInjectors>();
        services.AddOptions<MonitorOptions>().Bind(configuration.GetSection(MonitorOptions.Section));
        services.AddOptions<Alerts.AlertOptions>().Bind(configuration.GetSection(Alerts.AlertOptions.Section));
        services.AddSingleton<ServingPrimaryStore>();
        services.AddSingleton(sp => new DnsZone(sp.GetRequiredService<TopologyOptions>(), sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<ServiceHttp>();
        // Hosts wire their own: the local host the lab's compute (keyed ComputeByRegion.HostDefault) and its task hub;
        // Functions its durable client. Each region then gets what the topology declares for it.
        services.TryAddSingleton<ICompute>(sp => new ComputeByRegion(sp.GetRequiredService<TopologyOptions>(), sp.GetRequiredService<IConfiguration>(),
            sp.GetKeyedService<ICompute>(ComputeByRegion.HostDefault) ?? new NoCompute()));
        services.TryAddSingleton<IInstanceStarter, NoInstanceStarter>();
        services.AddSingleton<RunRecordStore>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ReportsApi>();
        services.AddSingleton<DrillsApi>();
        services.AddSingleton<AlertsApi>();
        services.AddSingleton<IncidentsApi>();
        // A host that authenticates people (the Functions app behind App Service authentication) registers its own.
        services.TryAddSingleton<ICallerIdentity, SharedSecretCallers>();
        // A host that can read instance history registers its own before calling this.
        services.TryAddSingleton<IInstanceHistory, NoInstanceHistory>();
        return services;
    }
}
