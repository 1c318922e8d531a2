using System.Formats.Tar;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Postgres;

public static partial class BaseBackupRestore
{
    /// <summary>
    /// Restores a chain (a full backup and incrementals up to the one wanted) into an empty directory, each file written once: from
    /// the archive of the newest member that holds it whole (the last member's file list says which), a file with page deltas each
    /// page once (<see cref="PatchedFileWriter"/>), the directories from that list, the backup_label from the last member. Archives
    /// are read one after the other, newest first, each with its parts fetched and checked ahead and only the frames it is needed for
    /// decompressed (<see cref="SelectedFrames"/>). The cluster starts from the last member's checkpoint and needs the archived WAL
    /// from there on.
    /// </summary>
    /// <param name="delta">Over a directory that holds files already (a stopped cluster's, an earlier restore's): a file whose bytes match the
    /// list's SHA-256 stays, every other is rewritten, what the list does not name is removed (pgBackRest's --delta). Files a full backup holds
    /// have no SHA-256 to compare, so they are rewritten; a chain of one full backup rewrites everything.</param>
    public static async Task<RestoredFiles> RestoreAsync(IObjectStore store, DatabaseBackupChain chain, string dataDirectory, string? owner,
        Action<int, long>? progress = null, bool syncEachFile = true, bool delta = false, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(dataDirectory);
        var occupied = Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any();
        if (occupied && !delta)
        {
            throw new ArgumentException($"restore target {target} is not empty: restore into a new or empty directory (or --delta to rewrite only what " +
                "differs from the backup)");
        }

        if (occupied && File.Exists(Path.Combine(target, "postmaster.pid")))
        {
            throw new SafetyCheckRefusedException($"restore target {target} has a postmaster.pid: stop the server that may run on it first");
        }

        if (chain.Files is not { } list)
        {
            if (occupied)
            {
                EmptyDirectory(target);
            }

            return await RestoreAsync(store, chain.Full, dataDirectory, owner, progress: progress, syncEachFile: syncEachFile,
                cancellationToken: cancellationToken);
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
        var kept = occupied ? await KeepMatchingAsync(target, list, cancellationToken) : [];
        var patches = list.Files.Where(f => f.Patches is { Count: > 0 } && !kept.Contains(f.Path))
            .ToDictionary(f => f.Path, f => f.Patches!, StringComparer.Ordinal);
        var patched = new PatchedFileWriter(target, list.Files.Where(f => patches.ContainsKey(f.Path)).ToDictionary(f => f.Path, f => f.Size,
            StringComparer.Ordinal), syncEachFile);
        var (applied, wholes) = (0, 0);
        try
        {
            foreach (var folder in list.Directories)
            {
                Directory.CreateDirectory(Path.Combine(target, folder), folderMode);
            }

            var (files, bytes, passedOver) = (0, 0L, 0L);
            foreach (var member in chain.Backups.Reverse()) // newest first: a page of a patched file is written once, from the newest member
            {
                var id = member.BackupId;
                var last = member == chain.Last;
                bool Takes(string name) => name == "backup_label" ? last : holder.GetValueOrDefault(name) == id && !kept.Contains(name);
                bool Applies(string name) => patches.GetValueOrDefault(name)?.Contains(id) == true;
                bool Needed(string entry) => entry.EndsWith(PageDelta.EntrySuffix, StringComparison.Ordinal)
                    ? Applies(entry[..^PageDelta.EntrySuffix.Length]) : Takes(entry);
                var archive = ArchiveReader.Open(store, member, cancellationToken);
                try
                {
                    // A framed archive is decompressed only where it holds what this restore takes from it.
                    var compressed = member.Frames is { } frames ? new SelectedFrames(archive.Stream, frames, Needed, id) : archive.Stream;
                    await using var zstd = new ZstdNet.DecompressionStream(compressed, bufferSize: 1 << 20);
                    var (before, bytesBefore) = (files, bytes);
                    var written = await ExtractAsync(zstd, target, exact: false, syncEachFile,
                        (n, b) => progress?.Invoke(before + n, bytesBefore + b), Takes, cancellationToken,
                        async entry =>
                        {
                            if (!entry.Name.EndsWith(PageDelta.EntrySuffix, StringComparison.Ordinal))
                            {
                                if (!patched.Patches(entry.Name) || !Takes(entry.Name))
                                {
                                    return false;
                                }

                                await patched.WriteWholeAsync(entry.Name, entry.DataStream!, entry.Length, cancellationToken);
                                wholes++;
                                return true;
                            }

                            // Applied only where the list says this member's delta is part of the file: one a later member stored whole is passed over.
                            var name = entry.Name[..^PageDelta.EntrySuffix.Length];
                            if (Applies(name))
                            {
                                await patched.ApplyDeltaAsync(name, entry.DataStream!, cancellationToken);
                                applied++;
                            }

                            return true;
                        });
                    (files, bytes) = (files + written.Files, bytes + written.Bytes);
                    passedOver += (compressed as SelectedFrames)?.SkippedBytes ?? 0;
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

            // Every listed file, each of its deltas and the label: an archive that lacks one it should hold is a broken chain, not a cluster.
            (files, bytes) = (files + wholes, bytes + patched.WrittenBytes);
            var expected = list.Files.Count + 1 - kept.Count;
            if (files != expected)
            {
                var missing = list.Files.FirstOrDefault(f => !File.Exists(Path.Combine(target, f.Path)))?.Path ?? "backup_label";
                throw new CorruptDataException($"backup {chain.Last.BackupId}: {expected - files} listed file(s) are in no archive of its chain " +
                    $"(e.g. {missing})");
            }

            var listedDeltas = patches.Values.Sum(p => p.Count);
            if (applied != listedDeltas)
            {
                throw new CorruptDataException($"backup {chain.Last.BackupId}: {listedDeltas - applied} page delta(s) its list names " +
                    "are in no archive of its chain");
            }

            patched.EnsureComplete(chain.Last.BackupId);

            if (owner is not null)
            {
                await ChangeOwnerAsync(target, owner, cancellationToken);
            }

            return new RestoredFiles(target, files, bytes) { Kept = kept.Count, PassedOverBytes = passedOver };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (occupied)
            {
                // Not ours to remove: what was there is partly rewritten, and says so.
                throw new IOException($"delta restore of {chain.Last.BackupId} into {target} failed part-way ({e.Message}): the directory is neither what " +
                    "it was nor the backup; run the restore again", e);
            }

            if (created)
            {
                Directory.Delete(target, recursive: true);
            }
            else
            {
                EmptyDirectory(target);
            }

            throw e is InvalidDataException or ArgumentException or IOException or DrException
                ? e
                : new InvalidDataException($"backup {chain.Last.BackupId}: an archive of its chain is not a readable tar.zst: {e.Message}", e);
        }
    }

    /// <summary>For a delta restore: the listed files already there with the list's bytes (they stay); every other file goes, and every
    /// folder the list does not name, so what is written next is written into place.</summary>
    private static async Task<HashSet<string>> KeepMatchingAsync(string target, DatabaseFileList list, CancellationToken cancellationToken)
    {
        var listed = list.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var folders = list.Directories.ToHashSet(StringComparer.Ordinal);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).ToList())
        {
            var name = Path.GetRelativePath(target, path).Replace('\\', '/');
            if (listed.TryGetValue(name, out var file) && file.Sha256 is { } sha && new FileInfo(path).Length == file.Size)
            {
                if (await ChangedFiles.Sha256Async(path, cancellationToken) == sha)
                {
                    kept.Add(name);
                    continue;
                }
            }

            File.Delete(path);
        }

        foreach (var folder in Directory.EnumerateDirectories(target, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).ToList())
        {
            if (!folders.Contains(Path.GetRelativePath(target, folder).Replace('\\', '/')) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }

        return kept;
    }

    private static void EmptyDirectory(string target)
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
}
