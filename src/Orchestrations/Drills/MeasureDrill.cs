using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Driven">The runs whose records give each step's share (the monitor's failover, the failback).</param>
public sealed record MeasureDrillInput(string Drill, DateTimeOffset InjectedAt, IReadOnlyList<string> Driven);

/// <summary>
/// The drill's figures, from the prober's ledger and the driven runs' records: RTO as a client of the public name saw it,
/// the acknowledged writes missing afterwards (each read back through the public name), the prober's own down time.
/// </summary>
public sealed class MeasureDrill(IObjectStore store, RunRecordStore runs, DnsZone zone, TopologyOptions topology)
    : DrActivity<MeasureDrill, MeasureDrillInput, DrillMeasured>
{
    public override async Task<DrillMeasured> RunAsync(TaskActivityContext context, MeasureDrillInput input)
    {
        var ledger = await new ProbeStore(store).ReadLedgerAsync(input.Drill);
        var acknowledged = ledger.Acknowledged.ToList();
        var (lost, unverified) = await CheckAcknowledgedAsync(acknowledged.Select(e => e.Id!.Value).ToList());
        var lostSet = lost.ToHashSet();
        var oldestLost = acknowledged.Where(e => lostSet.Contains(e.Id!.Value)).MinBy(e => e.At);

        var first = ledger.FirstAckSentAfter(input.InjectedAt);
        var down = ledger.Down();
        var driven = new List<DrivenRun>();
        foreach (var id in input.Driven)
        {
            if (await runs.FindAsync(id) is { } record)
            {
                driven.Add(new DrivenRun(id, record.Runbook, record.Outcome, record.StartedAt, record.EndedAt, record.Steps, record.Figures));
            }
        }

        var entries = ledger.Entries;
        return new DrillMeasured(
            first is null ? null : Math.Round((first.At - input.InjectedAt).TotalSeconds, 3),
            first?.At,
            entries.Count,
            acknowledged.Count,
            entries.Count(e => !e.Ok),
            lost,
            unverified,
            oldestLost is null ? 0 : Math.Max(0, Math.Round((input.InjectedAt - oldestLost.At).TotalSeconds, 3)),
            down,
            down.Any(d => d.To > input.InjectedAt && (first is null || d.From < first.At)),
            driven,
            ledger.PerSecond().Select(s => new ProbeSecond(s.Second, s.Acknowledged, s.Failed)).ToList());
    }

    /// <summary>Every acknowledged id read back through the public name, a few at a time; an unanswered one is asked again.</summary>
    private async Task<(IReadOnlyList<long> Lost, int Unverified)> CheckAcknowledgedAsync(IReadOnlyList<long> ids)
    {
        using var client = new PublicNameClient(zone, topology.Api);
        var lost = new System.Collections.Concurrent.ConcurrentBag<long>();
        var unverified = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            bool? there = null;
            for (var attempt = 0; attempt < 3 && there is null; attempt++)
            {
                there = await client.ExistsAsync(id, ct);
            }

            if (there == false)
            {
                lost.Add(id);
            }
            else if (there is null)
            {
                Interlocked.Increment(ref unverified);
            }
        });
        return (lost.Order().ToList(), unverified);
    }
}
