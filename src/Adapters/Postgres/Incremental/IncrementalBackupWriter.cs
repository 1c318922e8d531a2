using System.Formats.Tar;
using System.IO.Pipelines;
using System.Text;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using Npgsql;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <param name="Files">Every file of the cluster as of this backup, each naming the backup that holds its bytes.</param>
/// <param name="Parts">This backup's own archive (a tar.zst of the changed files and its backup_label), as stored.</param>
/// <param name="PatchedFiles">Files stored as their changed pages only (<see cref="PageDelta"/>); <paramref name="StoredFiles"/> counts them too.</param>
/// <param name="Frames">The archive's independent zstd frames and the entries in each (<see cref="FramedCompressionStream"/>).</param>
public sealed record IncrementalBackupResult(DatabaseFileList Files, IReadOnlyList<ArchivePart> Parts, IReadOnlyList<ArchiveFrame> Frames, string StartLsn,
    string StopLsn, int Timeline, long StoredFiles, long StoredBytes, long CheckedFiles, long PatchedFiles)
{
    public long ArchiveSizeBytes => Parts.Sum(p => p.SizeBytes);

    /// <summary>Where the time went: the start checkpoint, reading and storing the files, stopping and waiting for the WAL archive.</summary>
    public (double Checkpoint, double Files, double WalArchive) Seconds { get; init; }
}

/// <summary>
/// An incremental backup of the cluster this host runs, as pgBackRest takes one: the server is put in backup mode
/// (pg_backup_start: a checkpoint, full-page writes on), the data directory is listed and each file judged against the parent's
/// list (<see cref="ChangedFiles"/>), the changed ones go into a tar.zst streamed into the store as parts while they are read (a relation
/// segment as its pages changed since the parent started, <see cref="PageDelta"/>, when that is at most half of it; in frames a chain restore
/// can pass over, <see cref="FramedCompressionStream"/>), and
/// pg_backup_stop's backup_label ends the archive once the WAL it needs is archived (<see cref="WalArchiveWait"/>). A restore lays
/// the chain's files down and replays WAL from this backup's start: pages written while the files were read come back from the WAL.
/// </summary>
public static class IncrementalBackupWriter
{
    /// <summary>Past this many deltas in a row a changed segment is stored whole again: a restore applies every delta of a file in turn.</summary>
    private const int MostPatches = 32;

    /// <param name="parentStartLsn">Where the parent backup began: a page stamped since may differ from the parent's copy.</param>
    public static async Task<IncrementalBackupResult> TakeAsync(string dataDirectory, string connectionString, string backupId, DatabaseFileList parent,
        string parentStartLsn, IObjectStore store, string archiveKey, int partBytes, int parallel, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var since = (ulong)Core.Nodes.Lsn.Bytes(parentStartLsn);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The backup lives as long as this session: if the job dies, the server ends backup mode by itself.
        await using var session = new NpgsqlConnection(connectionString);
        await session.OpenAsync(cancellationToken);
        string startLsn;
        int timeline;
        await using (var start = new NpgsqlCommand(
            "SELECT pg_backup_start($1, true)::text, (SELECT timeline_id FROM pg_control_checkpoint())", session) { CommandTimeout = 600 })
        {
            start.Parameters.AddWithValue($"dr incremental {backupId}");
            await using var reader = await start.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (startLsn, timeline) = (reader.GetString(0), reader.GetInt32(1));
        }

        var startedAt = DateTimeOffset.UtcNow;
        var checkpointSeconds = clock.Elapsed.TotalSeconds;
        double filesSeconds = 0;
        var (directories, scanned) = DataDirectoryScan.Scan(dataDirectory);
        var before = parent.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var files = new List<DatabaseFile>(scanned.Count);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16 << 20, resumeWriterThreshold: 8 << 20, minimumSegmentSize: 1 << 16));
        var upload = Task.Run(async () =>
        {
            await using var archive = pipe.Reader.AsStream();
            return await PartedArchive.PutAsync(store, archiveKey, archive, partBytes, parallel, cancellationToken);
        }, cancellationToken);
        long storedFiles = 0, storedBytes = 0, checkedFiles = 0, patchedFiles = 0;
        string stopLsn;
        FramedCompressionStream framed;
        try
        {
            // Native zstd (level 3, as the base backups'): a large file's frame with a worker per core (compression is most of an incremental's
            // work), the small files' frames on this thread (a multi-threaded frame costs a pool of workers to start and to drain).
            using var small = new ZstdNet.CompressionOptions(3);
            using var large = new ZstdNet.CompressionOptions(null,
                new Dictionary<ZstdNet.ZSTD_cParameter, int> { [ZstdNet.ZSTD_cParameter.ZSTD_c_nbWorkers] = Environment.ProcessorCount }, 3);
            await using (var output = pipe.Writer.AsStream(leaveOpen: true))
            await using (framed = new FramedCompressionStream(output, small, large))
            await using (var tar = new TarWriter(framed, TarEntryFormat.Pax, leaveOpen: true))
            {
                async Task WriteAsync(PaxTarEntry entry, long length)
                {
                    await framed.BeginEntryAsync(entry.Name, length);
                    await tar.WriteEntryAsync(entry, cancellationToken);
                    await framed.EndEntryAsync();
                }

                foreach (var file in scanned)
                {
                    var path = Path.Combine(dataDirectory, file.Path);
                    var known = before.GetValueOrDefault(file.Path);
                    var verdict = ChangedFiles.Judge(file, known, parent);
                    if (verdict != FileVerdict.Unchanged && known is not null && ByPage(file, known))
                    {
                        IReadOnlyList<int> blocks;
                        try
                        {
                            blocks = await PageDelta.ChangedBlocksAsync(path, file.Size, known.Size, since, cancellationToken);
                        }
                        catch (FileNotFoundException)
                        {
                            continue; // dropped since it was listed: WAL replay drops it too
                        }

                        if (blocks.Count == 0 && file.Size == known.Size)
                        {
                            files.Add(known with { ModifiedUtc = file.ModifiedUtc }); // touched (hint bits), not changed
                            continue;
                        }

                        if (blocks.Count * 2L * PageDelta.PageBytes <= file.Size)
                        {
                            await using (var delta = PageDelta.Open(path, file.Size, blocks))
                            {
                                await WriteAsync(new PaxTarEntry(TarEntryType.RegularFile, file.Path + PageDelta.EntrySuffix)
                                {
                                    DataStream = delta, ModificationTime = file.ModifiedUtc, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                                }, PageDelta.EntryLength(blocks.Count));
                            }

                            files.Add(known with
                            {
                                Size = file.Size, ModifiedUtc = file.ModifiedUtc, Sha256 = null, Patches = [.. known.Patches ?? [], backupId],
                            });
                            storedFiles++;
                            patchedFiles++;
                            storedBytes += PageDelta.EntryLength(blocks.Count);
                            continue;
                        }

                        verdict = FileVerdict.Changed; // more than half of it changed: whole, and the next delta starts from here
                    }

                    if (verdict == FileVerdict.InDoubt)
                    {
                        checkedFiles++;
                        verdict = await ChangedFiles.SameBytesAsync(path, known!, cancellationToken) ? FileVerdict.Unchanged : FileVerdict.Changed;
                    }

                    if (verdict == FileVerdict.Unchanged)
                    {
                        files.Add(known! with { ModifiedUtc = file.ModifiedUtc });
                        continue;
                    }

                    FileStream opened;
                    try
                    {
                        opened = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
                    }
                    catch (FileNotFoundException)
                    {
                        continue; // dropped since it was listed: WAL replay drops it too
                    }

                    await using var bytes = new FileSnapshotStream(opened, file.Size);
                    await WriteAsync(new PaxTarEntry(TarEntryType.RegularFile, file.Path)
                    {
                        DataStream = bytes, ModificationTime = file.ModifiedUtc, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    }, file.Size);
                    files.Add(new DatabaseFile(file.Path, file.Size, file.ModifiedUtc, bytes.Sha256, backupId));
                    storedFiles++;
                    storedBytes += file.Size;
                    if (storedFiles % 100 == 0)
                    {
                        progress($"{storedFiles} changed files stored ({patchedFiles} by page, {storedBytes / 1e6:F0} MB), {files.Count} of {scanned.Count} " +
                            "listed");
                    }
                }

                progress($"{storedFiles} changed files stored ({patchedFiles} by page, {storedBytes / 1e6:F0} MB); waiting for the WAL to be archived");
                filesSeconds = clock.Elapsed.TotalSeconds - checkpointSeconds;
                string label;
                await using (var stop = new NpgsqlCommand("SELECT lsn::text, labelfile FROM pg_backup_stop(false)", session) { CommandTimeout = 600 })
                {
                    await using var reader = await stop.ExecuteReaderAsync(cancellationToken);
                    await reader.ReadAsync(cancellationToken);
                    (stopLsn, label) = (reader.GetString(0), reader.GetString(1));
                }

                // The label goes in only once the WAL to the stop point is archived: before that, the backup could not be restored.
                await WalArchiveWait.WaitAsync(session, stopLsn, TimeSpan.FromMinutes(10), cancellationToken);

                var labelBytes = Encoding.UTF8.GetBytes(label);
                await WriteAsync(new PaxTarEntry(TarEntryType.RegularFile, "backup_label")
                {
                    DataStream = new MemoryStream(labelBytes), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }, labelBytes.Length);
                await framed.EndFrameAsync();
            }

            await pipe.Writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await pipe.Writer.CompleteAsync(e);
            try
            {
                await upload;
            }
            catch (Exception)
            {
                // The upload stopped because the archive did; the first failure is the one to report.
            }

            await PartedArchive.DeleteAsync(store, archiveKey, CancellationToken.None);
            throw;
        }

        var parts = await upload;
        var list = new DatabaseFileList(backupId, parent.BackupId, startedAt, directories, files);
        return new IncrementalBackupResult(list, parts, framed.Frames, startLsn, stopLsn, timeline, storedFiles, storedBytes, checkedFiles, patchedFiles)
        {
            Seconds = (Math.Round(checkpointSeconds, 3), Math.Round(filesSeconds, 3),
                Math.Round(clock.Elapsed.TotalSeconds - checkpointSeconds - filesSeconds, 3)),
        };
    }

    /// <summary>A main-fork segment of whole pages that did not shrink (a truncation's pages are not stamped: stored whole), with room for one
    /// more delta.</summary>
    private static bool ByPage(ScannedFile now, DatabaseFile before) =>
        PageDelta.IsCandidate(now.Path) && now.Size % PageDelta.PageBytes == 0 && before.Size % PageDelta.PageBytes == 0 && now.Size >= before.Size
        && (before.Patches?.Count ?? 0) < MostPatches;
}
