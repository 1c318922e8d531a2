using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Retention;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <param name="KeepCount">Overrides the configured retention for this run (see <see cref="RetentionSettings"/>).</param>
/// <param name="KeepDays">Same, by age.</param>
/// <param name="NowUtc">The orchestration's own (replay-safe) clock.</param>
/// <param name="IncrementalKeepDays">Database only: overrides the incrementals' retention for this run.</param>
public sealed record ApplyRetentionInput(BackupKind Kind, int? KeepCount, double? KeepDays, DateTimeOffset NowUtc, double? IncrementalKeepDays = null);

/// <param name="Policy">The policy applied, e.g. "keep 14" or "keep 30 days".</param>
/// <param name="UnfinishedRemoved">Leftovers of uploads that never finished (parts, temporary files), by the key they were writing.</param>
/// <param name="Unreadable">Backups the catalog could not read: neither kept nor deleted, reported.</param>
public sealed record RetentionOutcome(BackupKind Kind, string Policy, int Kept, IReadOnlyList<string> Deleted,
    IReadOnlyList<string>? UnfinishedRemoved = null, IReadOnlyList<string>? Unreadable = null);

/// <summary>
/// Deletes the complete backups of one kind that the policy no longer keeps, week-old failed attempts, and
/// what unfinished uploads left (a killed process, a failed part) once no running attempt can own it. Idempotent.
/// </summary>
public sealed class ApplyRetention(BackupCatalog catalog, IConfiguration configuration, ILogger<ApplyRetention> logger) : DrActivity<ApplyRetention,
    ApplyRetentionInput, RetentionOutcome>
{
    private static readonly TimeSpan FailedKeptFor = TimeSpan.FromDays(7);

    public override async Task<RetentionOutcome> RunAsync(TaskActivityContext context, ApplyRetentionInput input)
    {
        var policy = RetentionSettings.For(input.Kind, configuration, input.KeepCount, input.KeepDays);
        // One listing serves both: the complete backups (with their verified marks) and the failed attempts.
        var entries = await catalog.ListAsync(input.Kind, input.NowUtc);
        var complete = entries.Where(e => e.Manifest is not null).ToList();
        var expired = input.Kind == BackupKind.Database
            ? ExpiredDatabaseBackups(complete, policy, RetentionSettings.Incrementals(configuration, input.IncrementalKeepDays), input.NowUtc)
            : policy.SelectForDeletion(complete, e => e.Manifest!.TakenAtUtc, input.NowUtc, e => e.Status == BackupStatus.Verified);
        foreach (var entry in expired)
        {
            await catalog.DeleteAsync(entry.Kind, entry.BackupId);
            logger.LogInformation("Retention deleted {Kind} backup {BackupId} taken {TakenAt}", entry.Kind, entry.BackupId, entry.Manifest!.TakenAtUtc);
        }

        // Failed or abandoned attempts (no manifest) are not backups: their parts go after a week; their run
        // records stay for the success rate.
        var leftovers = entries
            .Where(e => e.Status == BackupStatus.Failed && e.Manifest is null && e.LastActivityUtc is { } last && input.NowUtc - last > FailedKeptFor)
            .ToList();
        foreach (var leftover in leftovers)
        {
            await catalog.DeleteAsync(leftover.Kind, leftover.BackupId);
            logger.LogInformation("Retention removed the parts of failed {Kind} backup {BackupId}: {Detail}", leftover.Kind, leftover.BackupId,
                leftover.Detail);
        }

        var unfinished = await UnfinishedUploads.RemoveAsync(catalog.Store, input.Kind.Name + "/", RetentionSettings.UnfinishedGrace(configuration),
            input.NowUtc,
            owner => entries.FirstOrDefault(e
                => e.BackupId == owner.Split('/').ElementAtOrDefault(1))?.Status is BackupStatus.Running or BackupStatus.Unreadable, logger);
        var unreadable = entries.Where(e => e.Status == BackupStatus.Unreadable).ToList();
        foreach (var entry in unreadable)
        {
            logger.LogError("Retention skipped {Kind} backup {BackupId}: {Detail}", entry.Kind, entry.BackupId, entry.Detail);
        }

        var described = input.Kind == BackupKind.Database
            ? $"full: {policy.Describe()}, incremental: {RetentionSettings.Incrementals(configuration, input.IncrementalKeepDays).Describe()}"
            : policy.Describe();
        return new(input.Kind, described, complete.Count - expired.Count, expired.Concat(leftovers).Select(e => e.BackupId).ToList(),
            unfinished, unreadable.Select(e => $"{e.BackupId}: {e.Detail}").ToList());
    }

    /// <summary>
    /// Full backups by the database policy, incrementals by theirs, each kind's newest (and newest verified) always kept; then
    /// nothing a kept backup's chain needs. Children first, so a deletion cut short never leaves a kept child without its parent.
    /// </summary>
    private static List<CatalogEntry> ExpiredDatabaseBackups(List<CatalogEntry> complete, RetentionPolicy fulls, RetentionPolicy incrementals,
        DateTimeOffset now)
    {
        bool Incremental(CatalogEntry e) => e.Manifest!.Database?.Incremental == true;
        var expired = fulls.SelectForDeletion(complete.Where(e => !Incremental(e)), e => e.Manifest!.TakenAtUtc, now, e => e.Status == BackupStatus.Verified)
            .Concat(incrementals.SelectForDeletion(complete.Where(Incremental), e => e.Manifest!.TakenAtUtc, now, e => e.Status == BackupStatus.Verified))
            .ToHashSet();
        var parentOf = complete.ToDictionary(e => e.BackupId, e => e.Manifest!.Database?.ParentId, StringComparer.Ordinal);
        foreach (var kept in complete.Where(e => !expired.Contains(e)))
        {
            var hops = 0; // a chain that loops (a corrupt manifest) ends the walk; the restore names it
            for (var parent = parentOf.GetValueOrDefault(kept.BackupId); parent is not null && hops++ < complete.Count;
                 parent = parentOf.GetValueOrDefault(parent))
            {
                expired.RemoveWhere(e => e.BackupId == parent);
            }
        }

        return expired.OrderByDescending(e => e.Manifest!.TakenAtUtc).ToList();
    }
}
