namespace CausalEval.Dr.Core.Backups;

/// <summary>
/// One run of a backup runbook, successful or not, kept in the store under <c>runs/</c> so the backup
/// success rate can be computed from anywhere, after the loss of the region that ran it.
/// </summary>
public sealed record BackupRunRecord(
    string Kind,
    string Runbook,
    string InstanceId,
    string BackupId,
    string Trigger,
    DateTimeOffset StartedAtUtc,
    DateTimeOffset EndedAtUtc,
    bool Succeeded,
    long? SizeBytes,
    string? Error)
{
    public double DurationSeconds => (EndedAtUtc - StartedAtUtc).TotalSeconds;
}

/// <summary>Success rate of one backup kind over a period.</summary>
public sealed record BackupSuccessRate(string Kind, int Runs, int Succeeded)
{
    /// <summary>Null when there were no runs: "no data" is not 0 % nor 100 %.</summary>
    public double? Rate => Runs == 0 ? null : (double)Succeeded / Runs;

    public static IReadOnlyList<BackupSuccessRate> Of(IEnumerable<BackupRunRecord> runs) =>
        runs.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new BackupSuccessRate(g.Key, g.Count(), g.Count(r => r.Succeeded)))
            .ToList();
}
