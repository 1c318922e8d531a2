using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Reports;

namespace CausalEval.Dr.Tests.Orchestrations.Reports;

/// <summary>
/// The KPI report counts what the seed's indicators mean: a rejected failover attempted nothing, a refused one
/// failed; an RTO is judged against the tier of what the runbook restores; a failed archive check is a missed
/// recovery point; no samples is no value (never 0 % or 100 %).
/// </summary>
public sealed class Kpi_report_test
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static RunRecord Run(string runbook, bool ok, BackupKind? kind = null, ErrorKind? error = null, params (string, double)[] figures) =>
        new(RunRecord.CurrentFormat, $"{runbook}-{Guid.NewGuid():N}", runbook, "1", "manual", kind, null, At.AddMinutes(-5), At,
            ok ? RunOutcome.Succeeded : RunOutcome.Failed, ok ? null : new RunError(error ?? ErrorKind.Failed, "broke", "step"), [],
            figures.ToDictionary(f => f.Item1, f => f.Item2));

    [Fact]
    public void Indicators_count_what_the_seed_means()
    {
        var runs = new List<RunRecord>
        {
            Run("BackupDatabase", true, BackupKind.Database),
            Run("BackupConfiguration", true, BackupKind.Configuration),
            Run("BackupDatabase", false, BackupKind.Database),
            Run("Failover", true, figures: ("rtoSeconds", 120)),
            Run("Failover", true, figures: ("rtoSeconds", 1200)), // over the critical tier's 15 minutes
            Run("Failover", false, error: ErrorKind.NotApproved), // a person said no: not a recovery attempt
            Run("RecoverDatabase", false, error: ErrorKind.Refused), // refused by a safety check: a failed recovery
            Run("RecoverDatabase", false, error: ErrorKind.BadInput), // a wrong request: attempted nothing
            Run("RecoverRegion", true, figures: ("rtoSeconds", 3600)), // within the full system's 24 hours
            Run("CheckWalArchive", true, BackupKind.Wal, figures: ("secondsToArchive", 12)),
            Run("CheckWalArchive", false, BackupKind.Wal),
            Run("DiagnosticStepChain", false),
        };

        var report = KpiReport.Of(runs, At.AddDays(-1), At);

        Assert.Equal(12, report.Runs);
        Assert.Equal((5, 3), (report.BackupSuccessRate.Samples, report.BackupSuccessRate.Met));
        Assert.False(report.BackupSuccessRate.MeetsTarget);
        Assert.Equal((4, 3), (report.RecoverySuccessRate.Samples, report.RecoverySuccessRate.Met));
        Assert.Equal(0.75, report.RecoverySuccessRate.Value);
        Assert.Equal((3, 2), (report.RtoCompliance.Samples, report.RtoCompliance.Met));
        Assert.Equal([120.0, 1200.0, 3600.0], report.RtoSamples.Select(s => s.RtoSeconds).Order());
        Assert.Equal([900.0, 900.0, 86400.0], report.RtoSamples.OrderBy(s => s.RtoSeconds).Select(s => s.ObjectiveSeconds));
        Assert.Equal((2, 1), (report.RpoCompliance.Samples, report.RpoCompliance.Met));
        Assert.Equal(["configuration", "database", "wal"], report.BackupsByKind.Select(k => k.Kind.Name));
    }

    [Fact]
    public void No_run_is_no_value_not_a_rate()
    {
        var report = KpiReport.Of([], At.AddDays(-1), At);

        Assert.All([report.BackupSuccessRate, report.RecoverySuccessRate, report.RtoCompliance, report.RpoCompliance], kpi =>
        {
            Assert.Equal(0, kpi.Samples);
            Assert.Null(kpi.Value);
            Assert.Null(kpi.MeetsTarget);
        });
    }
}
