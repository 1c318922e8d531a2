using System.Formats.Tar;
using System.Diagnostics;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres;

/// <param name="Files">Files written.</param>
public sealed record RestoredFiles(string DataDirectory, int Files, long Bytes)
{
    /// <summary>A delta restore's files that were there already with the backup's bytes, and stayed.</summary>
    public int Kept { get; init; }

    /// <summary>Compressed bytes of a chain's archives read past without decompressing: frames holding nothing the restore took.</summary>
    public long PassedOverBytes { get; init; }
}

/// <summary>
/// Unpacks a base backup from the store into an empty data directory, streaming and nothing staged: the archive's
/// parts are fetched and checked a few at once (<see cref="ArchiveReader"/>), one zstd stream feeds the tar reader,
/// and the files are written by threads of their own (<see cref="BackgroundFileWriter"/>). The backup carries the
/// WAL it needs (-X fetch), so the directory starts as a writable cluster on its own. If a checksum does not match,
/// the directory is removed again: a corrupt backup never leaves a startable cluster behind.
/// </summary>
public static partial class BaseBackupRestore
{
    /// <param name="exact">Keep every file as backed up (for pg_verifybackup); otherwise standby.signal and
    /// recovery.signal are left out, so the cluster comes up writable even from a backup of the standby.</param>
    /// <param name="progress">Files and bytes written so far, after each file.</param>
    /// <param name="syncEachFile">Off only for a caller that syncs the whole directory itself before anyone relies on it.</param>
    public static async Task<RestoredFiles> RestoreAsync(IObjectStore store, BackupManifest backup, string dataDirectory, string? owner,
        bool exact = false, Action<int, long>? progress = null, bool syncEachFile = true, CancellationToken cancellationToken = default)
    {
        var archiveKey = backup.ArchiveKey;
        var target = Path.GetFullPath(dataDirectory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new ArgumentException($"restore target {target} is not empty: restore into a new or empty directory");
        }

        if (owner is not null)
        {
            EnsureUserExists(owner);
        }

        await EnsureArchiveExistsAsync(store, backup, cancellationToken);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL data directories are restored on Linux (file modes 0600/0700)");
        }

        var created = !Directory.Exists(target);
        Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // an existing empty one too
        var archive = ArchiveReader.Open(store, backup, cancellationToken);
        try
        {
            // The native library: one zstd stream, decompressed on one core while the parts are fetched and checked on others.
            await using var zstd = new ZstdNet.DecompressionStream(archive.Stream, bufferSize: 1 << 20);
            var restored = await ExtractAsync(zstd, target, exact, syncEachFile, progress, null, cancellationToken);
            await archive.DisposeAsync();
            if (backup.Database?.PgManifestKey is { } pgManifestKey)
            {
                // pg_verifybackup's input; PostgreSQL itself ignores the file.
                await using var file = new FileStream(Path.Combine(target, "backup_manifest"), FileMode.CreateNew);
                await store.ReadVerifiedAsync(pgManifestKey, file, cancellationToken);
            }

            if (owner is not null)
            {
                await ChangeOwnerAsync(target, owner, cancellationToken);
            }

            return restored;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Only what this restore made goes: the folder if it made it, else what it wrote into the empty one it was given.
            if (created)
            {
                Directory.Delete(target, recursive: true);
            }
            else
            {
                EmptyDirectory(target);
            }

            if (await archive.FailureAsync() is { } verdict)
            {
                throw verdict; // the store's own verdict explains any broken stream best
            }

            throw e is InvalidDataException or ArgumentException or IOException or ChecksumMismatchException
                ? e
                : new InvalidDataException($"archive '{archiveKey}' is not a readable tar.zst: {e.Message}", e);
        }
    }

    /// <summary>Checked before anything is written: a backup whose objects are gone must not leave a directory behind.</summary>
    private static async Task EnsureArchiveExistsAsync(IObjectStore store, BackupManifest backup, CancellationToken cancellationToken)
    {
        if (backup.Parts is not { } parts)
        {
            if (await store.GetInfoAsync(backup.ArchiveKey, cancellationToken) is null)
            {
                throw new FileNotFoundException($"object '{backup.ArchiveKey}' does not exist in {store.Location}");
            }

            return;
        }

        // Presence only: a listing's sizes are not every store's object sizes (S3 lists a large object's part index);
        // each part's size and bytes are checked as it is read.
        var stored = (await store.ListAsync(backup.ArchiveKey + ".", cancellationToken)).Select(o => o.Key).ToHashSet();
        if (parts.FirstOrDefault(p => !stored.Contains(p.Key)) is { } missing)
        {
            throw new FileNotFoundException($"part '{missing.Key}' of backup {backup.BackupId} does not exist in {store.Location}");
        }
    }

    /// <summary>Writes every entry under <paramref name="root"/> with PostgreSQL's modes, refusing paths that leave it.</summary>
    /// <param name="keep">When set, only the regular files it accepts are written (a chain's member gives the files it holds last); directories are
    /// then made by the caller.</param>
    /// <param name="patch">When set, offered each regular file first: true when it consumed the entry (a page delta applied to a file an earlier
    /// member wrote).</param>
    private static async Task<RestoredFiles> ExtractAsync(Stream tarStream, string root, bool exact, bool syncEachFile, Action<int, long>? progress,
        Func<string, bool>? keep, CancellationToken cancellationToken, Func<TarEntry, Task<bool>>? patch = null)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL data directories are restored on Linux (file modes 0600/0700)");
        }

        var prefix = root + Path.DirectorySeparatorChar;
        var fsync = new BackgroundFsync();
        await using var writer = new BackgroundFileWriter(syncEachFile ? fsync : null);
        int files = 0;
        long bytes = 0;
        await using var tar = new TarReader(tarStream);
        while (await tar.GetNextEntryAsync(cancellationToken: cancellationToken) is { } entry)
        {
            var path = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!path.StartsWith(prefix, StringComparison.Ordinal) && path != root)
            {
                throw new InvalidDataException($"archive entry '{entry.Name}' points outside the restore folder");
            }

            if (patch is not null && entry.EntryType is TarEntryType.RegularFile && await patch(entry))
            {
                continue;
            }

            if (!exact && entry.Name is "standby.signal" or "recovery.signal")
            {
                continue; // a backup of the standby carries its standby.signal: the restore must come up writable
            }

            if (keep is not null && (entry.EntryType == TarEntryType.Directory || !keep(entry.Name)))
            {
                continue;
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    await writer.WriteFileAsync(path, entry.Length, entry.DataStream, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
                    files++;
                    bytes += entry.Length;
                    progress?.Invoke(files, bytes);
                    break;
                default:
                    throw new InvalidDataException($"archive entry '{entry.Name}' is a {entry.EntryType}: tablespaces and links are not supported");
            }
        }

        await writer.CompleteAsync();
        await fsync.CompleteAsync();
        return new RestoredFiles(root, files, bytes);
    }

    private static void EnsureUserExists(string user)
    {
        // Checked before anything is written: a typo must not leave a root-owned directory behind.
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == user)
            {
                return;
            }
        }

        throw new ArgumentException($"owner: no local user '{user}'");
    }

    /// <summary>One `chown -R` at the end costs less than a call per file, and needs no native interop.</summary>
    private static async Task ChangeOwnerAsync(string path, string owner, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("chown") { RedirectStandardError = true };
        foreach (var arg in new[] { "-R", "--no-dereference", $"{owner}:", path })
        {
            start.ArgumentList.Add(arg);
        }

        using var chown = Process.Start(start) ?? throw new IOException("could not start chown");
        var error = await chown.StandardError.ReadToEndAsync(cancellationToken);
        await chown.WaitForExitAsync(cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new IOException($"chown -R {owner}: {path} failed: {error.Trim()}");
        }
    }
}
