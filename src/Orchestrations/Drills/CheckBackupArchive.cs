using System.Text;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Backups">Complete database backups in the catalog.</param>
/// <param name="Newest">The newest: the one the drill restores.</param>
/// <param name="WalFrom">The first segment of the window (the oldest backup's start) and the last one archived.</param>
/// <param name="NewestWalAt">When the newest segment was stored: the data's age at the check.</param>
public sealed record BackupArchiveChecked(int Backups, string Newest, string? WalFrom, string? WalTo, int Segments, DateTimeOffset? NewestWalAt);

/// <summary>
/// The catalog against the store, both ways, and the WAL chain over the whole window, before anything is restored:
/// every part a complete backup's manifest lists is stored at its size and with its checksum; every object under a
/// complete backup's folder is one its manifest lists (or its own bookkeeping); and from the oldest complete backup on,
/// the archive has every segment up to the newest (a hole is named, as WAL-G's wal-verify does). Any finding fails the
/// step naming all of them. Reads only.
/// </summary>
public sealed class CheckBackupArchive(BackupCatalog catalog, IObjectStore store) : DrActivity<CheckBackupArchive, string, BackupArchiveChecked>
{
    public override async Task<BackupArchiveChecked> RunAsync(TaskActivityContext context, string drill)
    {
        var backups = (await catalog.ListCompleteAsync(BackupKind.Database)).Where(b => b.Database is not null).OrderBy(b => b.TakenAtUtc).ToList();
        if (backups.Count == 0)
        {
            throw new SafetyCheckRefusedException("no complete database backup to restore");
        }

        var findings = new List<string>();
        foreach (var backup in backups)
        {
            var prefix = BackupCatalog.Prefix(BackupKind.Database, backup.BackupId);
            var stored = (await store.ListAsync(prefix)).ToDictionary(o => o.Key);
            var listed = (backup.Parts ?? [new ArchivePart(backup.ArchiveKey, backup.ArchiveSizeBytes, backup.ArchiveSha256)]).ToList();
            foreach (var part in listed)
            {
                if (!stored.TryGetValue(part.Key, out var found))
                {
                    findings.Add($"{backup.BackupId}: {part.Key} is listed in the manifest but not stored");
                }
                else if (found.SizeBytes != part.SizeBytes || (found.Sha256 is { } sha && !string.Equals(sha, part.Sha256, StringComparison.OrdinalIgnoreCase)))
                {
                    findings.Add($"{backup.BackupId}: {part.Key} is stored as {found.SizeBytes} bytes (sha256 {found.Sha256}), " +
                        $"the manifest says {part.SizeBytes} " +
                        $"({part.Sha256})");
                }
            }

            var known = listed.Select(p => p.Key).Append(backup.Database!.PgManifestKey).ToHashSet();
            foreach (var extra in stored.Keys.Where(k => !known.Contains(k) && !IsBookkeeping(k)))
            {
                findings.Add($"{backup.BackupId}: {extra} is stored but no manifest lists it");
            }
        }

        var archive = await new WalArchive(store).ListAsync();
        var newestTimeline = Math.Max(WalChain.NewestTimeline(archive), backups[^1].Database!.Timeline);
        IReadOnlyList<TimelineSwitch> history = [];
        if (newestTimeline > 1 && await new WalArchive(store).ReadAsync($"{newestTimeline:X8}.history") is { } file)
        {
            history = WalChain.ParseHistory(Encoding.UTF8.GetString(file));
        }

        foreach (var backup in new[] { backups[0], backups[^1] }.Distinct())
        {
            var db = backup.Database!;
            var reach = WalChain.Check(archive, history, newestTimeline, db.Timeline, db.StartLsn, db.StopLsn, RecoveryTarget.Parse("latest"));
            if (reach.Problem is { } problem)
            {
                findings.Add($"WAL from {backup.BackupId}: {problem}");
            }
        }

        if (findings.Count > 0)
        {
            throw new CorruptDataException($"the backups do not hold together ({findings.Count}): {string.Join("; ", findings)}");
        }

        var segments = archive.Where(w => !w.FileName.Contains('.', StringComparison.Ordinal)).OrderBy(w => w.FileName).ToList();
        return new BackupArchiveChecked(backups.Count, backups[^1].BackupId, segments.FirstOrDefault()?.FileName, segments.LastOrDefault()?.FileName,
            segments.Count, segments.Count == 0 ? null : segments.Max(w => w.StoredAtUtc));
    }

    /// <summary>What a backup writes beside its parts: its manifest, progress, verification and failure records.</summary>
    private static bool IsBookkeeping(string key) =>
        key.EndsWith("/manifest.json", StringComparison.Ordinal) || key.EndsWith("/progress.json", StringComparison.Ordinal)
        || key.EndsWith("/verified.json", StringComparison.Ordinal) || key.EndsWith("/failed.json", StringComparison.Ordinal);
}
