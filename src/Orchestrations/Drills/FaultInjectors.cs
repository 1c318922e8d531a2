using Azure.Core;
using Azure.Identity;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Adapters.Faults.ChaosStudio;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>
/// The injector a drill uses, by name (<c>Drills:Injector</c>): a drill plans it once, so its undo (registered before the
/// injection) and the injection use the same one even if the setting changes meanwhile. A host that runs a lab registers
/// the lab's under the key <see cref="Lab"/>.
/// </summary>
public sealed class FaultInjectors(IServiceProvider services, IOptions<DrillOptions> options)
{
    public const string Lab = "lab";
    public const string Hosts = "hosts";
    public const string ChaosStudio = "chaos-studio";

    /// <summary>The configured injector's name, checked; the default is the lab where one runs, else real hosts.</summary>
    public string Configured()
    {
        var name = options.Value.Injector.Trim().ToLowerInvariant();
        if (name.Length == 0)
        {
            return services.GetKeyedService<IFaultInjector>(Lab) is null ? Hosts : Lab;
        }

        return name is Lab or Hosts or ChaosStudio ? name
            : throw new DrConfigurationException(
                $"{DrillOptions.Section}:Injector: '{options.Value.Injector}' is not an injector ({Lab}, {Hosts}, {ChaosStudio})");
    }

    public IFaultInjector For(string name) => name switch
    {
        Lab => services.GetKeyedService<IFaultInjector>(Lab)
            ?? throw new DrConfigurationException($"{DrillOptions.Section}:Injector: '{Lab}' needs a host that runs the lab (`dr` with a lab up)"),
        Hosts => new HostRegionLoss(services.GetRequiredService<TopologyOptions>(), services.GetRequiredService<NodeAgents>(),
            services.GetRequiredService<ICompute>()),
        ChaosStudio => ChaosStudioOf(options.Value.ChaosStudio),
        _ => throw new DrConfigurationException($"no fault injector is named '{name}' ({Lab}, {Hosts}, {ChaosStudio})"),
    };

    private static ChaosStudioFaults ChaosStudioOf(ChaosStudioOptions chaos)
    {
        TokenCredential credential = string.IsNullOrWhiteSpace(chaos.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(chaos.ManagedIdentityClientId));
        return new ChaosStudioFaults(new ChaosStudioExperiments(ChaosStudioExperiments.CreateClient(chaos.Endpoint, credential), chaos.ApiVersion), chaos);
    }
}
