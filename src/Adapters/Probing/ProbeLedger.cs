namespace CausalEval.Dr.Adapters.Probing;

/// <summary>One write the prober sent through the public name, and what came back.</summary>
/// <param name="Session">The prober process's session: a restart starts a new one, so (session, seq) is unique.</param>
/// <param name="Id">The evaluation id the service acknowledged (201 after commit); null when the write failed.</param>
/// <param name="Region">The region whose instance answered.</param>
/// <param name="ReadBack">The acknowledged write was read back through the public name.</param>
public sealed record ProbeEntry(string Session, long Seq, DateTimeOffset SentAt, DateTimeOffset At, bool Ok, long? Id, string? Region, bool? ReadBack,
    string? Error);

/// <summary>A part of the ledger, written once a second: its window is time the prober was up.</summary>
public sealed record ProbeChunk(string Drill, string Session, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ProbeEntry> Entries);

/// <summary>A time the prober was not running (a control-plane restart): no write was attempted, so it is never outage.</summary>
public sealed record ProberDown(DateTimeOffset From, DateTimeOffset To)
{
    public double Seconds => (To - From).TotalSeconds;
}

/// <summary>
/// The prober's ledger for one drill, read back from its chunks: what a client of the public name saw, and when
/// nobody was looking. RTO is from the injection to the first acknowledged write sent after it; lost writes are
/// acknowledged ids the serving database lacks.
/// </summary>
public sealed class ProbeLedger(IReadOnlyList<ProbeChunk> chunks)
{
    /// <summary>Chunks further apart than this mean the prober was down between them (it flushes every second).</summary>
    public static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(3);

    public IReadOnlyList<ProbeChunk> Chunks { get; } = chunks.OrderBy(c => c.From).ToList();

    public IReadOnlyList<ProbeEntry> Entries => Chunks.SelectMany(c => c.Entries).OrderBy(e => e.SentAt).ToList();

    public IEnumerable<ProbeEntry> Acknowledged => Entries.Where(e => e.Ok && e.Id is not null);

    /// <summary>The windows between chunks (and sessions) where no prober ran.</summary>
    public IReadOnlyList<ProberDown> Down()
    {
        var down = new List<ProberDown>();
        for (var i = 1; i < Chunks.Count; i++)
        {
            var upTo = Chunks.Take(i).Max(c => c.To);
            if (Chunks[i].From - upTo > DownAfter)
            {
                down.Add(new ProberDown(upTo, Chunks[i].From));
            }
        }

        return down;
    }

    /// <summary>The first acknowledged write sent after <paramref name="at"/> (the service is back for clients then).</summary>
    public ProbeEntry? FirstAckSentAfter(DateTimeOffset at) => Acknowledged.Where(e => e.SentAt >= at).MinBy(e => e.At);

    /// <summary>Writes attempted in [<paramref name="from"/>, <paramref name="to"/>) and how many failed.</summary>
    public (int Attempts, int Failed) Attempts(DateTimeOffset from, DateTimeOffset to)
    {
        var inside = Entries.Where(e => e.SentAt >= from && e.SentAt < to).ToList();
        return (inside.Count, inside.Count(e => !e.Ok));
    }

    /// <summary>
    /// The longest run of failed writes still going on at <paramref name="now"/> (no success since it began): what a stop
    /// condition on the error rate weighs against the tier's RTO. Zero when the last write succeeded.
    /// </summary>
    public TimeSpan FailingFor(DateTimeOffset now)
    {
        var entries = Entries;
        var lastOk = entries.LastOrDefault(e => e.Ok);
        var firstFailure = entries.FirstOrDefault(e => !e.Ok && (lastOk is null || e.SentAt > lastOk.SentAt));
        return firstFailure is null ? TimeSpan.Zero : now - firstFailure.SentAt;
    }

    /// <summary>Acknowledged writes per second, second by second (for the report's chart).</summary>
    public IReadOnlyList<(DateTimeOffset Second, int Acknowledged, int Failed)> PerSecond()
    {
        return Entries.GroupBy(e => new DateTimeOffset(e.SentAt.UtcTicks - e.SentAt.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero))
            .OrderBy(g => g.Key).Select(g => (g.Key, g.Count(e => e.Ok), g.Count(e => !e.Ok))).ToList();
    }
}
