using CausalEval.Dr.Lab.Load;

namespace CausalEval.Dr.Tests.Lab;

/// <summary>The client-seen RTO read from a ledger: last ack before the failure to the first ack from the new region.</summary>
public sealed class Ledger_outage_test
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static LedgerEntry Ack(int seq, double at, string region) => new(seq, T0.AddSeconds(at - 0.02), T0.AddSeconds(at), true, seq, region, null);

    private static LedgerEntry Fail(int seq, double at) => new(seq, T0.AddSeconds(at), T0.AddSeconds(at), false, null, null, "refused");

    [Fact]
    public void An_ack_of_the_old_region_after_the_failure_does_not_end_the_outage()
    {
        var ledger = new Ledger([Ack(1, 0.5, "primary"), Ack(2, 0.9, "primary"), Ack(3, 1.05, "primary"), Fail(4, 1.5), Fail(5, 2.0), Ack(6, 3.9, "secondary"),
            Ack(7, 4.0, "secondary")]);

        var outage = ledger.OutageAround(T0.AddSeconds(1.0), "secondary");

        Assert.Equal(T0.AddSeconds(0.9), outage.LastAckBefore);
        Assert.Equal(T0.AddSeconds(3.9), outage.FirstAckAfter);
        Assert.Equal(3.0, outage.Seconds!.Value, 3);
        Assert.Equal(2, outage.FailedAttempts);
    }

    [Fact]
    public void Lost_writes_are_the_acknowledged_ids_the_serving_database_lacks()
    {
        var ledger = new Ledger([Ack(1, 0.1, "primary"), Ack(2, 0.2, "primary"), Fail(3, 0.3), Ack(4, 3.0, "secondary")]);
        Assert.Equal([2L], ledger.LostFrom(new HashSet<long> { 1, 4 }));
    }

    [Fact]
    public void A_planned_moves_gap_is_the_longest_wait_between_acks_touching_its_window()
    {
        var ledger = new Ledger([Ack(1, 0.50, "primary"), Ack(2, 0.52, "primary"), Ack(3, 1.00, "secondary"), Fail(4, 1.1), Fail(5, 1.3),
            Ack(6, 1.74, "secondary"),
            Ack(7, 1.76, "secondary"), Ack(8, 1.78, "secondary"), Ack(9, 1.80, "secondary"), Ack(10, 4.00, "secondary")]);

        var gap = ledger.LongestGapDuring(T0.AddSeconds(0.9), T0.AddSeconds(1.79)); // the wait from 1.80 to 4.00 starts after it

        Assert.Equal((T0.AddSeconds(1.00), T0.AddSeconds(1.74), 2), (gap!.LastAckBefore, gap.FirstAckAfter, gap.FailedAttempts));
        Assert.Equal(0.74, gap.Seconds, 3);
        Assert.Null(new Ledger([Ack(1, 0.5, "primary")]).LongestGapDuring(T0, T0.AddSeconds(1)));
    }
}
