using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Retention;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <param name="WindowDays">The point-in-time recovery window for this run (default: <c>Retention:Wal:KeepDays</c>, else the seed's 7 days).</param>
public sealed record ApplyWalRetentionInput(double? WindowDays, DateTimeOffset NowUtc);

public sealed record WalRetentionOutcome(double WindowDays, int Archived, int Deleted, string? OldestKept, IReadOnlyList<string>? UnfinishedRemoved = null);

/// <summary>
/// Deletes archived WAL that neither the recovery window nor any retained base backup needs (rules in
/// <see cref="WalRetention"/>). Runs after base-backup retention, so it sees the backups that remain. Idempotent.
/// </summary>
public sealed class ApplyWalRetention(BackupCatalog catalog, IConfiguration configuration, ILogger<ApplyWalRetention> logger) : DrActivity<ApplyWalRetention,
    ApplyWalRetentionInput, WalRetentionOutcome>
{
    public override async Task<WalRetentionOutcome> RunAsync(TaskActivityContext context, ApplyWalRetentionInput input)
    {
        var window = RetentionSettings.For(BackupKind.Wal, configuration, keepDays: input.WindowDays).KeepFor
            ?? throw new DrConfigurationException("Retention:Wal: the WAL window is an age (KeepDays), not a count");
        var backups = (await catalog.ListCompleteAsync(BackupKind.Database))
            .Where(m => m.Database is not null)
            .Select(m => new RetainedBackup(m.TakenAtUtc, m.Database!.StartLsn, m.Database.StopLsn))
            .ToList();
        var archive = (await catalog.Store.ListAsync(WalArchive.Prefix))
            .Select(o => new ArchivedWal(Path.GetFileNameWithoutExtension(o.Key[WalArchive.Prefix.Length..]), o.LastModified ?? input.NowUtc))
            .ToList();

        var expired = WalRetention.SelectForDeletion(archive, backups, input.NowUtc, window);
        foreach (var wal in expired)
        {
            await catalog.Store.DeleteAsync(WalArchive.KeyOf(wal.FileName));
        }

        // A segment is pushed by one archive_command at a time; its leftovers only need to be older than the grace.
        var unfinished = await UnfinishedUploads.RemoveAsync(catalog.Store, WalArchive.Prefix, RetentionSettings.UnfinishedGrace(configuration), input.NowUtc,
            _ => false, logger);
        var kept = archive.Except(expired).Where(w => WalRetention.PositionOf(w.FileName) is not null).MinBy(w => w.FileName, StringComparer.Ordinal);
        logger.LogInformation("WAL retention: {Deleted} of {Archived} archived files deleted; oldest kept {Oldest}", expired.Count, archive.Count,
            kept?.FileName);
        return new(window.TotalDays, archive.Count, expired.Count, kept?.FileName, unfinished);
    }
}
