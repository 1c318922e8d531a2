using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>Tells the prober this drill is done, and waits for its last chunk; another drill's probe is left alone.</summary>
public sealed class StopProber(IObjectStore store) : DrActivity<StopProber, ProberInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ProberInput input)
    {
        var probes = new ProbeStore(store);
        if (await probes.RequestAsync() is not { Active: true } request || request.Drill != input.Drill)
        {
            return false;
        }

        await probes.PutRequestAsync(request with { StoppedAt = DateTimeOffset.UtcNow });
        // The prober sees the stop within a flush, stores its writes in flight, then lets its lease go.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && await probes.LeaseAsync() is { } lease && lease.Until > DateTimeOffset.UtcNow)
        {
            await Task.Delay(250);
        }

        return true;
    }
}
