using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.RollingRestart;

public sealed record ServiceInstanceInput(string Region, string Service, string Address);

/// <summary>Restarts one instance through the region's compute (drained first); returns once it listens. Idempotent enough: a rerun restarts it
/// again.</summary>
public sealed class RestartServiceInstance(ICompute compute) : DrActivity<RestartServiceInstance, ServiceInstanceInput, InstanceRestarted>
{
    public override Task<InstanceRestarted> RunAsync(TaskActivityContext context, ServiceInstanceInput input) =>
        compute.RestartAsync(input.Region, input.Service, input.Address);
}
