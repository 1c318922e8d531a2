using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Registry;

namespace CausalEval.Dr.Orchestrations.Reports;

/// <summary>
/// One indicator over a period: how many samples, how many met their objective, against the seed's target.
/// Null value when there was no sample: "no data" is neither 0 % nor 100 %.
/// </summary>
public sealed record Kpi(int Samples, int Met, double Target, string Definition)
{
    public double? Value => Samples == 0 ? null : (double)Met / Samples;

    public bool? MeetsTarget => Value is { } value ? value >= Target : null;
}

/// <summary>A run that measured its recovery time, against the RTO of the tier it restores.</summary>
public sealed record RtoSample(string InstanceId, string Runbook, DateTimeOffset EndedAt, double RtoSeconds, double ObjectiveSeconds)
{
    public bool Met => RtoSeconds <= ObjectiveSeconds;
}

/// <summary>
/// The seed's key performance indicators ("Recovery Metrics &amp; SLAs"), computed from run records alone, so the
/// report is the same on either host and with every host lost. Targets are the seed's: backups &gt; 99.9 %,
/// recoveries &gt; 95 %, RTO within objective &gt; 95 %, database RPO within objective 99 %, DR tests passed completely &gt; 90 %.
/// Drills never count as recoveries: neither the drill runs, nor the runbooks they drive (trigger "drill"), nor a failover
/// that ran inside a drill's window (the monitor's, which a failover test provokes).
/// </summary>
public sealed record KpiReport(
    DateTimeOffset From,
    DateTimeOffset To,
    int Runs,
    Kpi BackupSuccessRate,
    Kpi RecoverySuccessRate,
    Kpi RtoCompliance,
    Kpi RpoCompliance,
    Kpi DrTestSuccess,
    IReadOnlyList<BackupSuccessRate> BackupsByKind,
    IReadOnlyList<RtoSample> RtoSamples,
    IReadOnlyList<DrillReadiness>? Readiness = null,
    Kpi? FileStorageRpoCompliance = null)
{
    /// <param name="readiness">Each scheduled drill's last pass against its schedule (from the drill index; it looks back further than the period).</param>
    public static KpiReport Of(IReadOnlyList<RunRecord> all, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<DrillReadiness>? readiness = null)
    {
        var drills = all.Where(r => RunbookRegistry.Find(r.Runbook)?.Category == RunbookCategory.Drill).ToList();
        bool Drilled(RunRecord r) => r.Trigger == "drill" || drills.Any(d => d.StartedAt <= r.StartedAt && r.EndedAt <= d.EndedAt);
        var runs = all.Where(r => !drills.Contains(r)).ToList();
        var backups = runs.Where(r => r.BackupKind is not null).ToList();
        var recoveries = runs.Where(r => IsRecoveryAttempt(r) && !Drilled(r)).ToList();
        var rto = runs.Where(r => !Drilled(r) && r.Succeeded && r.Figures?.ContainsKey("rtoSeconds") == true && RtoObjective(r.Runbook) is not null)
            .Select(r => new RtoSample(r.InstanceId, r.Runbook, r.EndedAt, r.Figures!["rtoSeconds"], RtoObjective(r.Runbook)!.Value.TotalSeconds))
            .OrderBy(s => s.EndedAt).ToList();
        var archiveChecks = runs.Where(r => RunbookRegistry.Find(r.Runbook)?.ProvesRpoOf == DataClass.Database).ToList();
        var databaseRpo = RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds;

        var filesRpo = RecoveryObjectives.RpoFor(DataClass.FileStorage);
        var fileSamples = FileStorageRpo(runs.Where(r => !Drilled(r)).ToList(), filesRpo);

        var tests = drills.Where(r => r.Error?.Kind is not (ErrorKind.NotApproved or ErrorKind.BadInput)).ToList();
        return new KpiReport(from, to, all.Count,
            new Kpi(backups.Count, backups.Count(r => r.Succeeded), 0.999,
                "backup runs of every kind that succeeded"),
            new Kpi(recoveries.Count, recoveries.Count(r => r.Succeeded), 0.95,
                "failover, switchover, reprotect, failback and restore runs that succeeded (runs a person rejected, or refused as bad input, attempted " +
                    "nothing and are left out)"),
            new Kpi(rto.Count, rto.Count(s => s.Met), 0.95,
                "recoveries whose measured RTO was within their tier's objective (failover: critical services; region recovery: full system)"),
            new Kpi(archiveChecks.Count,
                archiveChecks.Count(r => r.Succeeded && r.Figures?.GetValueOrDefault("secondsToArchive", double.MaxValue) <= databaseRpo), 0.99,
                $"WAL archive checks that proved a fresh segment reached the archive within the database RPO ({databaseRpo:F0} s); a failed check counts as " +
                    $"missed"),
            new Kpi(tests.Count, tests.Count(r => r.Succeeded), 0.9,
                "DR drills (failover test, backup-restore test, full DR simulation) that passed completely: every objective met, everything put back"),
            Core.Runs.BackupSuccessRate.Of(backups),
            rto,
            readiness,
            new Kpi(fileSamples.Count, fileSamples.Count(met => met), 0.95,
                $"file-storage points complete within the files RPO ({filesRpo.TotalSeconds:F0} s) of the one before, and failovers whose files were at " +
                    "most that old (the newest point's age when the old region's store was lost); a failed backup run counts as missed"));
    }

    /// <summary>Each file-storage backup run (met: it succeeded within the RPO of the previous success's start) and each failover's file loss window.</summary>
    private static List<bool> FileStorageRpo(IReadOnlyList<RunRecord> runs, TimeSpan objective)
    {
        var samples = new List<bool>();
        DateTimeOffset? previous = null;
        foreach (var run in runs.Where(r => r.BackupKind == Core.Backups.BackupKind.FileStorage).OrderBy(r => r.StartedAt))
        {
            samples.Add(run.Succeeded && (previous is null || run.EndedAt - previous.Value <= objective));
            if (run.Succeeded)
            {
                previous = run.StartedAt;
            }
        }

        samples.AddRange(runs.Where(r => r.Figures?.ContainsKey("fileStorageRpoSeconds") == true)
            .Select(r => r.Figures!["fileStorageRpoSeconds"] <= objective.TotalSeconds));
        return samples;
    }

    private static bool IsRecoveryAttempt(RunRecord run) =>
        RunbookRegistry.Find(run.Runbook)?.IsRecovery == true && run.Error?.Kind is not (ErrorKind.NotApproved or ErrorKind.BadInput);

    /// <summary>The RTO a runbook's recovery is judged against (its row's tier); null for runbooks judged by none.</summary>
    private static TimeSpan? RtoObjective(string runbook) =>
        RunbookRegistry.Find(runbook)?.RtoTier is { } tier ? RecoveryObjectives.RtoFor(tier) : null;
}
