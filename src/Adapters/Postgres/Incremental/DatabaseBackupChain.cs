using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A database backup and the backups it needs to be restored: its full backup first, then each incremental up to it. Loading
/// it proves every member is complete and every file list readable and sound (each file held by a member of the chain), so a
/// restore or a plan that got one never meets a missing parent half-way.
/// </summary>
/// <param name="Files">The last backup's file list (null when the chain is one full backup: its archive is the whole cluster).</param>
public sealed record DatabaseBackupChain(IReadOnlyList<BackupManifest> Backups, DatabaseFileList? Files)
{
    public BackupManifest Full => Backups[0];

    public BackupManifest Last => Backups[^1];

    public static string FilesKey(string backupId) => BackupCatalog.Prefix(BackupKind.Database, backupId) + "files.json";

    public static string ArchiveKey(string backupId) => BackupCatalog.Prefix(BackupKind.Database, backupId) + "incremental.tar.zst";

    /// <exception cref="BadInputException">A member is missing (deleted, or never completed): names the backup and the parent.</exception>
    /// <exception cref="CorruptDataException">A file list does not match its checksum, or names a backup outside the chain; a member's frames do not
    /// cover its archive.</exception>
    public static async Task<DatabaseBackupChain> LoadAsync(BackupCatalog catalog, BackupManifest backup, CancellationToken cancellationToken = default)
    {
        var chain = new List<BackupManifest> { backup };
        while (chain[0].Database?.ParentId is { } parentId)
        {
            if (chain.Any(m => m.BackupId == parentId))
            {
                throw new CorruptDataException($"backup {backup.BackupId}: its chain loops at {parentId}");
            }

            var parent = await catalog.TryGetAsync(BackupKind.Database, parentId, cancellationToken)
                ?? throw new BadInputException($"backup {backup.BackupId} needs {parentId} (the parent of {chain[0].BackupId}), which is not a complete " +
                    $"backup in {catalog.Store.Location}: the chain cannot be restored (take a full backup)");
            chain.Insert(0, parent);
        }

        foreach (var member in chain.Where(m => m.Frames is not null))
        {
            SelectedFrames.EnsureCover(member.Frames!, member.ArchiveSizeBytes, member.BackupId);
        }

        if (!backup.Database!.Incremental)
        {
            return new DatabaseBackupChain(chain, null);
        }

        var files = await ReadFilesAsync(catalog.Store, backup, cancellationToken);
        var members = chain.Select(m => m.BackupId).ToHashSet(StringComparer.Ordinal);
        if (files.Files.FirstOrDefault(f => !members.Contains(f.StoredIn)) is { } stray)
        {
            throw new CorruptDataException($"backup {backup.BackupId}: its file list says {stray.Path} is in {stray.StoredIn}, which is not in its chain");
        }

        // A file's deltas come after its whole copy, in chain order: a restore applies them as it reads the archives oldest first.
        var order = chain.Select((m, i) => (m.BackupId, i)).ToDictionary(m => m.BackupId, m => m.i, StringComparer.Ordinal);
        foreach (var file in files.Files.Where(f => f.Patches is not null))
        {
            var at = order[file.StoredIn];
            foreach (var patch in file.Patches!)
            {
                if (!order.TryGetValue(patch, out var next) || next <= at)
                {
                    throw new CorruptDataException($"backup {backup.BackupId}: its file list patches {file.Path} from {patch}, which is not a later member " +
                        "of its chain than the one before it");
                }

                at = next;
            }
        }

        return new DatabaseBackupChain(chain, files);
    }

    public static async Task<DatabaseFileList> ReadFilesAsync(IObjectStore store, BackupManifest backup, CancellationToken cancellationToken = default)
    {
        var key = backup.Database?.FilesKey ?? throw new CorruptDataException($"incremental backup {backup.BackupId} has no file list");
        DatabaseFileList list;
        try
        {
            list = await store.ReadJsonAsync<DatabaseFileList>(key, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            throw new CorruptDataException($"incremental backup {backup.BackupId}: its file list {key} is missing from {store.Location}");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CorruptDataException($"incremental backup {backup.BackupId}: its file list {key} is not readable: {e.Message}");
        }

        return list is { Files: not null, Directories: not null } && list.BackupId == backup.BackupId && list.ParentId == backup.Database.ParentId
            ? list
            : throw new CorruptDataException($"incremental backup {backup.BackupId}: {key} is not its file list (it names {list.BackupId ?? "no backup"})");
    }

    /// <summary>The file list a child of <paramref name="backup"/> compares against: its own, or a full backup's from its backup_manifest.</summary>
    public static async Task<DatabaseFileList> ParentListAsync(IObjectStore store, BackupManifest backup, CancellationToken cancellationToken = default)
    {
        if (backup.Database is { Incremental: true })
        {
            return await ReadFilesAsync(store, backup, cancellationToken);
        }

        var pgManifest = backup.Database?.PgManifestKey
            ?? throw new BadInputException($"backup {backup.BackupId} has no backup_manifest: an incremental needs a full backup taken since issue #4");
        var startedAt = backup.Database.CompletedAtUtc - TimeSpan.FromSeconds(backup.Database.DurationSeconds);
        return PgBackupManifest.Read(await store.ReadBytesAsync(pgManifest, cancellationToken), backup.BackupId, startedAt);
    }
}
