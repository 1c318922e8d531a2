using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <summary>Boots a cold region's database host (its agent) and cache through the region's compute. Idempotent.</summary>
public sealed class ProvisionRegion(ICompute compute) : DrActivity<ProvisionRegion, RegionInput, RegionProvisioned>
{
    public override Task<RegionProvisioned> RunAsync(TaskActivityContext context, RegionInput input) => compute.ProvisionRegionAsync(input.Region);
}
