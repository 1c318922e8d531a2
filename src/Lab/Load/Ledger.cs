using System.Text.Json.Nodes;

namespace CausalEval.Dr.Lab.Load;

/// <summary>One attempt of the load generator, as its ledger line records it.</summary>
public sealed record LedgerEntry(int Seq, DateTimeOffset SentAt, DateTimeOffset? AckAt, bool Ok, long? Id, string? Region, string? Error);

/// <param name="LastAckBefore">The last acknowledged write before the failure.</param>
/// <param name="FirstAckAfter">The first acknowledged write served by the new region after it.</param>
public sealed record ClientOutage(DateTimeOffset? LastAckBefore, DateTimeOffset? FirstAckAfter, double? Seconds, int FailedAttempts);

/// <param name="LastAckBefore">The acknowledged write that opens the gap.</param>
/// <param name="FirstAckAfter">The next acknowledged write.</param>
public sealed record WriteGap(DateTimeOffset LastAckBefore, DateTimeOffset FirstAckAfter, double Seconds, int FailedAttempts);

/// <summary>
/// The load generator's ledger, read back: what clients saw. The outage is measured the way a client lives
/// it (last acknowledged write before the failure to the first one after it, from the new region), and
/// acknowledged writes are checked against the database that serves now.
/// </summary>
public sealed class Ledger(IReadOnlyList<LedgerEntry> entries)
{
    public IReadOnlyList<LedgerEntry> Entries => entries;

    public IEnumerable<LedgerEntry> Acknowledged => entries.Where(e => e.Ok && e.Id is not null);

    public static Ledger Read(string file) => new(File.ReadLines(file).Where(l => l.Length > 0).Select(Parse).OrderBy(e => e.Seq).ToList());

    public ClientOutage OutageAround(DateTimeOffset failedAt, string newRegion)
    {
        var acked = Acknowledged.Where(e => e.AckAt is not null).OrderBy(e => e.AckAt).ToList();
        var before = acked.LastOrDefault(e => e.AckAt <= failedAt)?.AckAt;
        var after = acked.FirstOrDefault(e => e.AckAt > failedAt && string.Equals(e.Region, newRegion, StringComparison.OrdinalIgnoreCase))?.AckAt;
        var failed = entries.Count(e => !e.Ok && e.SentAt >= (before ?? failedAt) && (after is null || e.SentAt <= after));
        return new ClientOutage(before, after, before is { } b && after is { } a ? (a - b).TotalSeconds : null, failed);
    }

    /// <summary>
    /// The longest wait between two consecutive acknowledged writes that touches [<paramref name="from"/>, <paramref name="to"/>]:
    /// a planned move's write gap as clients lived it (at a steady rate, the normal spacing is 1/rate), with the
    /// attempts that failed inside it. Null when no write was acknowledged on both sides.
    /// </summary>
    public WriteGap? LongestGapDuring(DateTimeOffset from, DateTimeOffset to)
    {
        var acked = Acknowledged.Where(e => e.AckAt is not null).OrderBy(e => e.AckAt).ToList();
        WriteGap? longest = null;
        for (var i = 1; i < acked.Count; i++)
        {
            var (before, after) = (acked[i - 1].AckAt!.Value, acked[i].AckAt!.Value);
            if (after < from || before > to)
            {
                continue;
            }

            var seconds = (after - before).TotalSeconds;
            if (longest is null || seconds > longest.Seconds)
            {
                longest = new WriteGap(before, after, seconds, entries.Count(e => !e.Ok && e.SentAt >= before && e.SentAt <= after));
            }
        }

        return longest;
    }

    /// <summary>Acknowledged writes whose id the serving database does not have.</summary>
    public IReadOnlyList<long> LostFrom(IReadOnlySet<long> present) => Acknowledged.Select(e => e.Id!.Value).Where(id => !present.Contains(id)).ToList();

    private static LedgerEntry Parse(string line)
    {
        var json = JsonNode.Parse(line)!;
        DateTimeOffset? Time(string name) => json[name]?.GetValue<string>() is { } text
            ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : null;
        return new LedgerEntry(json["seq"]!.GetValue<int>(), Time("sentAt")!.Value, Time("ackAt"), json["ok"]?.GetValue<bool>() == true,
            json["id"]?.GetValue<long>(), json["region"]?.GetValue<string>(), json["error"]?.GetValue<string>());
    }
}
