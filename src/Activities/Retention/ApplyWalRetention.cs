using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Retention;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Activities.Retention;

/// <param name="WindowDays">The point-in-time recovery window (seed: 7 days).</param>
public sealed record ApplyWalRetentionInput(double WindowDays, DateTimeOffset NowUtc);

public sealed record WalRetentionOutcome(int Archived, int Deleted, string? OldestKept);

/// <summary>
/// Deletes archived WAL that neither the recovery window nor any retained base backup needs (rules in
/// <see cref="WalRetention"/>). Runs after base-backup retention, so it sees the backups that remain. Idempotent.
/// </summary>
public sealed class ApplyWalRetention(BackupCatalog catalog, ILogger<ApplyWalRetention> logger) : TaskActivity<ApplyWalRetentionInput, WalRetentionOutcome>
{
    public override async Task<WalRetentionOutcome> RunAsync(TaskActivityContext context, ApplyWalRetentionInput input)
    {
        var backups = (await catalog.ListCompleteAsync(TakeBaseBackup.Kind))
            .Where(m => m.Database is not null)
            .Select(m => new RetainedBackup(m.TakenAtUtc, m.Database!.StartLsn, m.Database.StopLsn))
            .ToList();
        var archive = (await catalog.Store.ListAsync(WalArchive.Prefix))
            .Select(o => new ArchivedWal(Path.GetFileNameWithoutExtension(o.Key[WalArchive.Prefix.Length..]), o.LastModified ?? input.NowUtc))
            .ToList();

        var expired = WalRetention.SelectForDeletion(archive, backups, input.NowUtc, TimeSpan.FromDays(input.WindowDays));
        foreach (var wal in expired)
        {
            await catalog.Store.DeleteAsync(WalArchive.KeyOf(wal.FileName));
        }

        var kept = archive.Except(expired).Where(w => WalRetention.PositionOf(w.FileName) is not null).MinBy(w => w.FileName, StringComparer.Ordinal);
        logger.LogInformation("WAL retention: {Deleted} of {Archived} archived files deleted; oldest kept {Oldest}", expired.Count, archive.Count, kept?.FileName);
        return new(archive.Count, expired.Count, kept?.FileName);
    }
}
