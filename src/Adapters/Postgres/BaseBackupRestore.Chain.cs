using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Postgres;

public static partial class BaseBackupRestore
{
    /// <summary>
    /// Restores a chain (a full backup and incrementals up to the one wanted) into an empty directory, each file written once: from
    /// the archive of the newest member that holds it (the last member's file list says which), the directories from that list,
    /// the backup_label from the last member. Archives are read one after the other, each with its parts fetched and checked
    /// ahead. The cluster starts from the last member's checkpoint and needs the archived WAL from there on.
    /// </summary>
    public static async Task<RestoredFiles> RestoreAsync(IObjectStore store, DatabaseBackupChain chain, string dataDirectory, string? owner,
        Action<int, long>? progress = null, bool syncEachFile = true, CancellationToken cancellationToken = default)
    {
        if (chain.Files is not { } list)
        {
            return await RestoreAsync(store, chain.Full, dataDirectory, owner, progress: progress, syncEachFile: syncEachFile,
                cancellationToken: cancellationToken);
        }

        var target = Path.GetFullPath(dataDirectory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new ArgumentException($"restore target {target} is not empty: restore into a new or empty directory");
        }

        if (owner is not null)
        {
            EnsureUserExists(owner);
        }

        foreach (var member in chain.Backups)
        {
            await EnsureArchiveExistsAsync(store, member, cancellationToken);
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL data directories are restored on Linux (file modes 0600/0700)");
        }

        const UnixFileMode folderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var created = !Directory.Exists(target);
        Directory.CreateDirectory(target, folderMode);
        File.SetUnixFileMode(target, folderMode);
        var holder = list.Files.ToDictionary(f => f.Path, f => f.StoredIn, StringComparer.Ordinal);
        try
        {
            foreach (var folder in list.Directories)
            {
                Directory.CreateDirectory(Path.Combine(target, folder), folderMode);
            }

            var (files, bytes) = (0, 0L);
            foreach (var member in chain.Backups)
            {
                var id = member.BackupId;
                var last = member == chain.Last;
                var archive = ArchiveReader.Open(store, member, cancellationToken);
                try
                {
                    await using var zstd = new ZstdNet.DecompressionStream(archive.Stream, bufferSize: 1 << 20);
                    var (before, bytesBefore) = (files, bytes);
                    var written = await ExtractAsync(zstd, target, exact: false, syncEachFile,
                        (n, b) => progress?.Invoke(before + n, bytesBefore + b),
                        name => name == "backup_label" ? last : holder.GetValueOrDefault(name) == id, cancellationToken);
                    (files, bytes) = (files + written.Files, bytes + written.Bytes);
                    await archive.DisposeAsync();
                }
                catch (Exception)
                {
                    if (await archive.FailureAsync() is { } verdict)
                    {
                        throw verdict; // the store's own verdict explains a broken stream best
                    }

                    throw;
                }
            }

            // Every listed file and the label: an archive that lacks one it should hold is a broken chain, not a cluster.
            var expected = list.Files.Count + 1;
            if (files != expected)
            {
                var missing = list.Files.FirstOrDefault(f => !File.Exists(Path.Combine(target, f.Path)))?.Path ?? "backup_label";
                throw new CorruptDataException($"backup {chain.Last.BackupId}: {expected - files} listed file(s) are in no archive of its chain " +
                    $"(e.g. {missing})");
            }

            if (owner is not null)
            {
                await ChangeOwnerAsync(target, owner, cancellationToken);
            }

            return new RestoredFiles(target, files, bytes);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (created)
            {
                Directory.Delete(target, recursive: true);
            }
            else
            {
                foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
                {
                    if (entry is DirectoryInfo folder)
                    {
                        folder.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                }
            }

            throw e is InvalidDataException or ArgumentException or IOException or DrException
                ? e
                : new InvalidDataException($"backup {chain.Last.BackupId}: an archive of its chain is not a readable tar.zst: {e.Message}", e);
        }
    }
}
