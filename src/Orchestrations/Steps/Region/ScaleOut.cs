using CausalEval.Dr.Adapters.Compute;

namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <param name="Scaled">What the scale-out reported, service by service.</param>
/// <param name="Api">The public record switched to the new instances too; null when none came up.</param>
public sealed record ScaledOut(IReadOnlyList<ServiceScaled> Scaled, DnsRecordSwitched? Api);

/// <summary>
/// How every move of the service ends once it is back: the target scaled to its failover capacity, the instances
/// that came up warmed, then added to the public record beside those that served already. One piece for the
/// failover, the switchover and the region recovery (steps "scale new region", "warm up scaled", "add scaled to api").
/// </summary>
public static class ScaleOut
{
    /// <param name="serving">The instances the public record names now.</param>
    /// <param name="scaling">A scale-out already under way (a failover that found nothing running started it first).</param>
    public static async Task<ScaledOut> RunAsync(RunbookRun run, string region, IReadOnlyList<string> serving, StepOptions options,
        Task<IReadOnlyList<ServiceScaled>>? scaling = null)
    {
        var scaled = await (scaling ?? run.StepAsync("scale new region", ScaleRegion.Ref, new RegionInput(region), options));
        var added = scaled.SelectMany(s => s.Addresses).Distinct().Except(serving).Order().ToList();
        if (added.Count == 0)
        {
            return new ScaledOut(scaled, null);
        }

        await run.StepAsync("warm up scaled", WarmUpRegion.Ref, new WarmUpRegionInput(region, added), options);
        var api = await run.StepAsync("add scaled to api", SwitchDnsRecord.Ref, new SwitchDnsRecordInput(region, "api", [.. serving, .. added]), options);
        return new ScaledOut(scaled, api);
    }
}
