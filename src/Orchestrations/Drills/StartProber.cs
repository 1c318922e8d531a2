using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

public sealed record ProberInput(string Drill, double Rate = 0);

/// <param name="Since">When this drill first asked (a retry keeps it).</param>
public sealed record ProberStarted(string Drill, double Rate, DateTimeOffset Since);

/// <summary>
/// Asks the control plane's prober (<see cref="DrillProber"/>) to write for this drill, and waits until its first writes
/// are in the ledger (a prober that never starts is found here, before anything is broken). Refuses while another
/// drill's probe is active: one drill at a time.
/// </summary>
public sealed class StartProber(IObjectStore store) : DrActivity<StartProber, ProberInput, ProberStarted>
{
    public override async Task<ProberStarted> RunAsync(TaskActivityContext context, ProberInput input)
    {
        var probes = new ProbeStore(store);
        var current = await probes.RequestAsync();
        if (current is { Active: true } && current.Drill != input.Drill)
        {
            throw new SafetyCheckRefusedException($"drill {current.Drill} is probing since {current.RequestedAt:u}: one drill at a time");
        }

        var request = current is { Active: true } ? current : new ProbeRequest(input.Drill, input.Rate, DateTimeOffset.UtcNow);
        await probes.PutRequestAsync(request);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await probes.ReadLedgerAsync(input.Drill)).Acknowledged.Any() is false)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new StepFailedException("the prober wrote nothing acknowledged within 20 s: is a control-plane host running (it hosts the prober), and " +
                    "does the public name answer?");
            }

            await Task.Delay(250);
        }

        return new ProberStarted(request.Drill, request.Rate, request.RequestedAt);
    }
}
