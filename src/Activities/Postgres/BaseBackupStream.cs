using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.RegularExpressions;
using CausalEval.Dr.Activities.Storage;
using ZstdSharp;

namespace CausalEval.Dr.Activities.Postgres;

public sealed record BaseBackupResult(StoredObject Archive, string StartLsn, string StopLsn, int Timeline, long UncompressedBytes);

/// <summary>
/// Streams `pg_basebackup -Ft -D -` (tar with backup_manifest and the WAL it needs, -X fetch) through zstd
/// straight into the object store: nothing is staged on disk, and the store checksums what it receives.
/// </summary>
public static partial class BaseBackupStream
{
    public static async Task<BaseBackupResult> TakeAsync(DatabaseOptions database, IObjectStore store, string key, CancellationToken cancellationToken)
    {
        database.EnsureValid();
        var start = new ProcessStartInfo(Path.Combine(database.BinDirectory, "pg_basebackup"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", database.Host, "-p", database.Port.ToString(), "-U", database.User, "-w", "-D", "-", "-Ft", "-X", "fetch", "-c", "fast", "-v" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start pg_basebackup");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var pipe = new Pipe();
        long uncompressed = 0;
        var compress = Task.Run(async () =>
        {
            try
            {
                await using (var zstd = new CompressionStream(pipe.Writer.AsStream(leaveOpen: true), level: 3))
                {
                    var buffer = new byte[256 * 1024];
                    int read;
                    var source = process.StandardOutput.BaseStream;
                    while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        uncompressed += read;
                        await zstd.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }
                }

                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, cancellationToken);

        StoredObject stored;
        try
        {
            stored = await store.PutAsync(key, pipe.Reader.AsStream(), cancellationToken);
            await compress;
            await process.WaitForExitAsync(cancellationToken);
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            throw;
        }

        var log = await stderr;
        if (process.ExitCode != 0)
        {
            // The object stays without a manifest: never listed as a backup. Remove it so it costs nothing.
            await store.DeleteAsync(key, CancellationToken.None);
            throw new InvalidOperationException($"pg_basebackup from {database.Host}:{database.Port} failed ({process.ExitCode}): {log.Trim()}");
        }

        var startPoint = StartPoint().Match(log);
        var endPoint = EndPoint().Match(log);
        if (!startPoint.Success || !endPoint.Success)
        {
            throw new InvalidDataException($"pg_basebackup did not report its WAL range: {log.Trim()}");
        }

        return new BaseBackupResult(stored, startPoint.Groups[1].Value, endPoint.Groups[1].Value, int.Parse(startPoint.Groups[2].Value), uncompressed);
    }

    [GeneratedRegex(@"write-ahead log start point: (\S+) on timeline (\d+)")]
    private static partial Regex StartPoint();

    [GeneratedRegex(@"write-ahead log end point: (\S+)")]
    private static partial Regex EndPoint();
}
