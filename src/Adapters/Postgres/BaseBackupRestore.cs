using System.Formats.Tar;
using System.IO.Pipelines;
using System.Diagnostics;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres;

public sealed record RestoredFiles(string DataDirectory, int Files, long Bytes);

/// <summary>
/// Unpacks a base backup from the store into an empty data directory, streaming: download, checksum, zstd
/// and tar run as one pipeline, nothing is staged. The backup carries the WAL it needs (-X fetch), so the
/// directory starts as a writable cluster on its own. If the store's checksum does not match at the end,
/// the directory is emptied again: a corrupt backup never leaves a startable cluster behind.
/// </summary>
public static class BaseBackupRestore
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

        if (await store.GetInfoAsync(archiveKey, cancellationToken) is null)
        {
            throw new FileNotFoundException($"object '{archiveKey}' does not exist in {store.Location}");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL data directories are restored on Linux (file modes 0600/0700)");
        }

        Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // an existing empty one too
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16 << 20, resumeWriterThreshold: 8 << 20, minimumSegmentSize: 1 << 20));
        var download = Task.Run(async () =>
        {
            try
            {
                await using var writer = pipe.Writer.AsStream();
                await store.ReadVerifiedAsync(archiveKey, writer, cancellationToken);
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, cancellationToken);

        try
        {
            // The native library: decompression is the one stage of a restore that cannot be split (docs/benchmarks.md).
            await using var zstd = new ZstdNet.DecompressionStream(pipe.Reader.AsStream(), bufferSize: 1 << 20);
            var restored = await ExtractAsync(zstd, target, exact, syncEachFile, progress, cancellationToken);
            await download;
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
            await pipe.Reader.CompleteAsync(); // stops the download if extraction gave up first
            Directory.Delete(target, recursive: true);
            try
            {
                await download;
            }
            catch (ChecksumMismatchException)
            {
                throw; // the store's own verdict explains any broken stream best
            }
            catch (Exception)
            {
                // The download only failed because extraction stopped reading.
            }

            throw e is InvalidDataException or ArgumentException or IOException or ChecksumMismatchException
                ? e
                : new InvalidDataException($"archive '{archiveKey}' is not a readable tar.zst: {e.Message}", e);
        }
    }

    /// <summary>Writes every entry under <paramref name="root"/> with PostgreSQL's modes, refusing paths that leave it.</summary>
    private static async Task<RestoredFiles> ExtractAsync(Stream tarStream, string root, bool exact, bool syncEachFile, Action<int, long>? progress,
        CancellationToken cancellationToken)
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

            if (!exact && entry.Name is "standby.signal" or "recovery.signal")
            {
                continue; // a backup of the standby carries its standby.signal: the restore must come up writable
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
