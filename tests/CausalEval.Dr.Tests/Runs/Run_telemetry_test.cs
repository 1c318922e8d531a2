using System.Diagnostics.Metrics;
using System.Diagnostics;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Steps.Runs;

namespace CausalEval.Dr.Tests.Runs;

/// <summary>
/// A finished run becomes telemetry from its record: a span for the run at the record's times with a child span per
/// step, its duration, step durations, its failure by error kind, and its figures (RTO, write gap, … and all the
/// others by name), as an OpenTelemetry listener receives them.
/// </summary>
public sealed class Run_telemetry_test
{
    [Fact]
    public void A_failed_failover_record_gives_its_spans_durations_failure_and_figures()
    {
        var runbook = $"Failover-{Guid.NewGuid():N}"; // other runs in this process must not count
        var t0 = new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);
        var record = new RunRecord(RunRecord.CurrentFormat, "failover-epoch-1-1", runbook, "1", "monitor", null, "primary → secondary", t0,
            t0.AddSeconds(3.5),
            RunOutcome.Failed, new RunError(ErrorKind.TimedOut, "verify timed out", "verify"),
            [new StepRecord("promote database", t0.AddSeconds(0.5), t0.AddSeconds(0.9), StepOutcome.Succeeded, 1),
             new StepRecord("verify", t0.AddSeconds(1), t0.AddSeconds(3.4), StepOutcome.Failed, 3, "503")],
            new Dictionary<string, double> { ["rtoSeconds"] = 2.75, ["timeline"] = 2 });

        var spans = new List<Activity>();
        using var spanListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == RunTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(spanListener);
        var measured = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener)
                => { if (instrument.Meter.Name == RunTelemetry.Name) { listener.EnableMeasurementEvents(instrument); } },
        };
        void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if (all.GetValueOrDefault("dr.runbook") as string == runbook)
            {
                lock (measured) { measured.Add((instrument.Name, value, all)); }
            }
        }

        meterListener.SetMeasurementEventCallback<double>((i, v, t, _) => Keep(i, v, t));
        meterListener.SetMeasurementEventCallback<long>((i, v, t, _) => Keep(i, v, t));
        meterListener.Start();

        RunTelemetry.Emit(record);

        var run = Assert.Single(spans, s => s.OperationName == $"runbook {runbook}");
        Assert.Equal((t0.UtcDateTime, TimeSpan.FromSeconds(3.5), ActivityStatusCode.Error), (run.StartTimeUtc, run.Duration, run.Status));
        Assert.Equal("failover-epoch-1-1", run.GetTagItem("dr.instance_id"));
        var steps = spans.Where(s => s.TraceId == run.TraceId && s.ParentSpanId == run.SpanId).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(["promote database", "verify"], steps.Select(s => s.OperationName));
        Assert.Equal((2.4, ActivityStatusCode.Error, 3), (Math.Round(steps[1].Duration.TotalSeconds, 3), steps[1].Status, steps[1].GetTagItem("dr.attempts")));

        Assert.Equal(3.5, Assert.Single(measured, m => m.Instrument == "dr.run.duration").Value, 3);
        Assert.Equal([0.4, 2.4], measured.Where(m => m.Instrument == "dr.step.duration").Select(m => Math.Round(m.Value, 3)));
        var failure = Assert.Single(measured, m => m.Instrument == "dr.run.failures");
        Assert.Equal((1.0, "timed-out"), (failure.Value, failure.Tags["dr.error.kind"]));
        Assert.Equal(2.75, Assert.Single(measured, m => m.Instrument == "dr.rto").Value);
        Assert.Equal(["rtoSeconds", "timeline"], measured.Where(m => m.Instrument == "dr.run.figure").Select(m => (string)m.Tags["dr.figure"]!).Order());
    }
}
