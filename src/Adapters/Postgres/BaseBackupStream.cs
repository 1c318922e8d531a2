using CausalEval.Dr.Core.Errors;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres;

/// <param name="Parts">The archive as stored: <see cref="PartedArchive"/> parts under the archive's key.</param>
public sealed record BaseBackupResult(IReadOnlyList<ArchivePart> Parts, StoredObject PgManifest, string StartLsn, string StopLsn, int Timeline,
    long UncompressedBytes)
{
    public long ArchiveSizeBytes => Parts.Sum(p => p.SizeBytes);
}

/// <summary>How far a running base backup is: the server's estimate of the cluster, and what has been sent and stored.</summary>
public sealed record BaseBackupProgress(long SentBytes, long TotalBytes, long StoredBytes);

/// <summary>
/// Streams a `pg_basebackup -Ft -X fetch` (one tar with the WAL it needs, plus its backup_manifest) into the
/// object store while it is being taken. The server compresses (zstd, multi-threaded): it sends ~20x less
/// than the raw files, which made the backup twice as fast as client-side compression (docs/benchmarks.md).
/// pg_basebackup writes a server-compressed backup only to a directory, so the archive is read from a spool
/// file as it grows and its space is released behind the reader: the spool never holds the whole backup.
/// The archive goes up as parts (<see cref="PartedArchive"/>: a restore fetches and checks several at once), each
/// checksummed by the store; the backup_manifest (pg_verifybackup's input) is stored beside them.
/// </summary>
public static partial class BaseBackupStream
{
    public static async Task<BaseBackupResult> TakeAsync(DatabaseOptions database, DatabaseEndpoint endpoint, IObjectStore store, string key,
        string pgManifestKey, Action<BaseBackupProgress>? progress, CancellationToken cancellationToken)
    {
        // A host killed mid-backup leaves its spool behind; the next backup removes those whose process is gone.
        Processes.DetachedProcess.RemoveFoldersOfDeadProcesses(Path.GetTempPath(), "dr-basebackup-");
        var spool = Directory.CreateTempSubdirectory($"dr-basebackup-{Environment.ProcessId}-").FullName;
        try
        {
            return await TakeAsync(database, endpoint, store, key, pgManifestKey, Path.Combine(spool, "out"), progress, cancellationToken);
        }
        finally
        {
            Directory.Delete(spool, recursive: true);
        }
    }

    private static async Task<BaseBackupResult> TakeAsync(DatabaseOptions database, DatabaseEndpoint endpoint, IObjectStore store, string key,
        string pgManifestKey, string output, Action<BaseBackupProgress>? progress, CancellationToken cancellationToken)
    {
        database.EnsureValid();
        var (host, port) = (endpoint.Host, endpoint.Port);
        var start = new ProcessStartInfo(Path.Combine(database.BinDirectory, "pg_basebackup"))
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Processes.ChildEnvironment.Clean(start.Environment);
        foreach (var (name, value) in database.ToolEnvironment())
        {
            start.Environment[name] = value;
        }
        var workers = database.CompressionWorkers > 0 ? database.CompressionWorkers : Environment.ProcessorCount;
        string[] args =
        [
            "-h", host, "-p", port.ToString(), "-U", database.User, "-w", "-D", output, "-Ft", "-X", "fetch", "-c", "fast", "-v", "-P",
            $"--compress=server-zstd:level={database.CompressionLevel},workers={workers}",
            .. database.MaxRateKbps > 0 ? new[] { $"--max-rate={database.MaxRateKbps}k" } : [],
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start pg_basebackup");
        CountingStream? counted = null;
        long sent = 0, total = 0;
        var log = new StringBuilder();
        var stderr = Task.Run(async () =>
        {
            // -P writes "sent/total kB (n%)" lines; everything else is the log we report on failure.
            using var reader = process.StandardError;
            var line = new StringBuilder();
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
            {
                foreach (var c in buffer.AsSpan(0, read))
                {
                    if (c is not ('\r' or '\n'))
                    {
                        line.Append(c);
                        continue;
                    }

                    if (Progress().Match(line.ToString()) is { Success: true } m)
                    {
                        sent = long.Parse(m.Groups[1].Value) * 1024;
                        total = long.Parse(m.Groups[2].Value) * 1024;
                        progress?.Invoke(new BaseBackupProgress(sent, total, counted?.BytesRead ?? 0));
                    }
                    else if (line.Length > 0)
                    {
                        log.AppendLine(line.ToString());
                    }

                    line.Clear();
                }
            }

            log.Append(line);
        }, CancellationToken.None);

        IReadOnlyList<ArchivePart>? stored = null;
        try
        {
            await using var archive = await GrowingFileStream.OpenAsync(Path.Combine(output, "base.tar.zst"), () => process.HasExited, cancellationToken);
            if (archive is not null)
            {
                counted = new CountingStream(archive);
                stored = await PartedArchive.PutAsync(store, key, counted, database.PartSizeMiB << 20, database.PartsInFlight, cancellationToken);
            }

            await process.WaitForExitAsync(cancellationToken);
            await stderr;
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await PartedArchive.DeleteAsync(store, key, CancellationToken.None);
            throw;
        }

        var messages = log.ToString().Trim();
        if (process.ExitCode != 0 || stored is null)
        {
            // The object stays without a manifest: never listed as a backup. Remove it so it costs nothing.
            await PartedArchive.DeleteAsync(store, key, CancellationToken.None);
            throw new InvalidOperationException($"pg_basebackup from {endpoint} failed ({process.ExitCode}): {messages}");
        }

        // Each tablespace would come as its own <oid>.tar.zst; storing only base.tar.zst would lose them silently.
        if (Directory.EnumerateFiles(output, "*.tar*").Select(Path.GetFileName).Where(f => f != "base.tar.zst").ToList() is { Count: > 0 } extra)
        {
            await PartedArchive.DeleteAsync(store, key, CancellationToken.None);
            throw new SafetyCheckRefusedException($"the cluster at {host}:{port} has tablespaces ({string.Join(", ",
                extra)}), which base backups do not support yet");
        }

        var startPoint = StartPoint().Match(messages);
        var endPoint = EndPoint().Match(messages);
        if (!startPoint.Success || !endPoint.Success)
        {
            throw new InvalidDataException($"pg_basebackup did not report its WAL range: {messages}");
        }

        StoredObject pgManifest;
        await using (var manifest = File.OpenRead(Path.Combine(output, "backup_manifest")))
        {
            pgManifest = await store.PutAsync(pgManifestKey, manifest, cancellationToken);
        }

        var result = new BaseBackupResult(stored, pgManifest, startPoint.Groups[1].Value, endPoint.Groups[1].Value, int.Parse(startPoint.Groups[2].Value),
            sent);
        progress?.Invoke(new BaseBackupProgress(sent, total, result.ArchiveSizeBytes));
        return result;
    }

    [GeneratedRegex(@"write-ahead log start point: (\S+) on timeline (\d+)")]
    private static partial Regex StartPoint();

    [GeneratedRegex(@"write-ahead log end point: (\S+)")]
    private static partial Regex EndPoint();

    [GeneratedRegex(@"^\s*(\d+)/(\d+) kB \(")]
    private static partial Regex Progress();

    /// <summary>Counts what the store has consumed, for progress.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long bytesRead;

        public long BytesRead => Interlocked.Read(ref bytesRead);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Add(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Add(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Add(int read)
        {
            Interlocked.Add(ref bytesRead, read);
            return read;
        }
    }
}
