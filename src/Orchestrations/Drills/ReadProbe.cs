using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="WindowSeconds">The trailing window the error rate is taken over.</param>
public sealed record ReadProbeInput(string Drill, DateTimeOffset Since, double WindowSeconds);

/// <param name="ErrorRate">Failed writes over attempts in the trailing window (null: no attempt in it).</param>
/// <param name="CoversWindow">The window lies wholly after <c>Since</c> (a stop condition may judge it).</param>
public sealed record ProbeReading(int Attempts, int Failed, double? ErrorRate, bool CoversWindow, DateTimeOffset? FirstAckAfter);

/// <summary>The prober's ledger so far, for the stop condition on the error rate: what the trailing window looked like.</summary>
public sealed class ReadProbe(IObjectStore store) : DrActivity<ReadProbe, ReadProbeInput, ProbeReading>
{
    public override async Task<ProbeReading> RunAsync(TaskActivityContext context, ReadProbeInput input)
    {
        var ledger = await new ProbeStore(store).ReadLedgerAsync(input.Drill);
        // The last second may still be in flight (sent, not yet flushed): the window ends a second ago.
        var to = DateTimeOffset.UtcNow.AddSeconds(-1);
        var from = to.AddSeconds(-input.WindowSeconds);
        var (attempts, failed) = ledger.Attempts(from, to);
        return new ProbeReading(attempts, failed, attempts == 0 ? null : (double)failed / attempts, from >= input.Since,
            ledger.FirstAckSentAfter(input.Since)?.At);
    }
}
