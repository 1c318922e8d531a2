using System.Diagnostics;
using System.Diagnostics.Metrics;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Orchestrations.Steps.Runs;

/// <summary>
/// OpenTelemetry's view of every finished run, taken from its run record (so it is the instance history's
/// times, and the orchestrator stays free of I/O): a trace with one span for the run and one per step, and the
/// metrics the reports and alerts read — run and step durations, failures, RTO, data-loss bound, write gap,
/// backup sizes, and every other figure the run reported. Exporters are the host's (<see cref="DrTelemetry"/>).
/// </summary>
public static class RunTelemetry
{
    public const string Name = "CausalEval.Dr";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);
    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("dr.run.duration", "s", "A runbook run, start to end");
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("dr.step.duration", "s", "One step of a run");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("dr.run.failures", description: "Runs that failed, by runbook and error kind");
    private static readonly Histogram<double> Rto = Meter.CreateHistogram<double>("dr.rto", "s", "Recovery time a failover or recovery measured");
    private static readonly Histogram<double> DataLossBound = Meter.CreateHistogram<double>("dr.rpo.data_loss_bound", "By",
        "WAL a promoted standby had not received");
    private static readonly Histogram<double> WriteGap = Meter.CreateHistogram<double>("dr.switchover.write_gap", "s", "Writes stopped during a planned move");
    private static readonly Histogram<double> BackupSize = Meter.CreateHistogram<double>("dr.backup.size", "By", "A backup's stored size");
    private static readonly Histogram<double> Figure = Meter.CreateHistogram<double>("dr.run.figure", description: "Any figure a run reported, by name");

    /// <summary>The figures with an instrument of their own (the rest go to dr.run.figure only).</summary>
    private static readonly Dictionary<string, Histogram<double>> Named = new(StringComparer.Ordinal)
    {
        ["rtoSeconds"] = Rto,
        ["dataLossBoundBytes"] = DataLossBound,
        ["writeGapSeconds"] = WriteGap,
        ["sizeBytes"] = BackupSize,
    };

    public static void Emit(RunRecord record)
    {
        var outcome = KebabCase.Of(record.Outcome);
        var run = new TagList { { "dr.runbook", record.Runbook }, { "dr.outcome", outcome }, { "dr.trigger", record.Trigger } };
        RunDuration.Record(record.DurationSeconds, run);
        if (record.Error is { } error)
        {
            Failures.Add(1, new TagList { { "dr.runbook", record.Runbook }, { "dr.error.kind", KebabCase.Of(error.Kind) } });
        }

        foreach (var step in record.Steps)
        {
            StepDuration.Record(step.DurationSeconds,
                new TagList { { "dr.runbook", record.Runbook }, { "dr.step", step.Name }, { "dr.outcome", KebabCase.Of(step.Outcome) } });
        }

        foreach (var (name, value) in record.Figures ?? new Dictionary<string, double>())
        {
            Figure.Record(value, new TagList { { "dr.runbook", record.Runbook }, { "dr.figure", name } });
            if (Named.TryGetValue(name, out var instrument))
            {
                instrument.Record(value, new TagList { { "dr.runbook", record.Runbook } });
            }
        }

        Trace(record, outcome);
    }

    /// <summary>The run as a span with a child span per step, at the times the record holds (they are in the past).</summary>
    private static void Trace(RunRecord record, string outcome)
    {
        using var span = Source.StartActivity($"runbook {record.Runbook}", ActivityKind.Internal, parentContext: default,
            tags: [new("dr.runbook", record.Runbook), new("dr.instance_id", record.InstanceId), new("dr.version", record.Version),
                new("dr.trigger", record.Trigger),
                   new("dr.outcome", outcome), new("dr.subject", record.Subject)],
            startTime: record.StartedAt);
        if (span is null)
        {
            return; // nobody listens
        }

        foreach (var step in record.Steps)
        {
            using var child = Source.StartActivity(step.Name, ActivityKind.Internal, span.Context,
                tags: [new("dr.step", step.Name), new("dr.outcome", KebabCase.Of(step.Outcome)), new("dr.attempts", step.Attempts), new("dr.undo", step.Undo)],
                startTime: step.StartedAt);
            if (child is not null)
            {
                if (step.Outcome is StepOutcome.Failed or StepOutcome.TimedOut)
                {
                    child.SetStatus(ActivityStatusCode.Error, step.Detail);
                }

                child.SetEndTime(step.EndedAt.UtcDateTime);
            }
        }

        if (record.Error is { } error)
        {
            span.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        span.SetEndTime(record.EndedAt.UtcDateTime);
    }
}
