using System.Diagnostics;
using CausalEval.Dr.Activities.Postgres;
using CausalEval.Dr.Activities.Storage;
using CausalEval.Dr.Core.Backups;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Activities.DatabaseBackup;

public sealed record TakeBaseBackupInput(string BackupId, DateTimeOffset TakenAtUtc);

public sealed record BaseBackupTaken(string BackupId, string StoreLocation, string ArchiveKey, long ArchiveSizeBytes, long UncompressedBytes,
    string StartLsn, string StopLsn, int Timeline, double DurationSeconds, bool AlreadyExisted);

/// <summary>
/// A full base backup of the configured cluster, streamed compressed into the store, then its manifest
/// (written last: until then the backup does not exist for the catalog). Idempotent per backup id.
/// </summary>
public sealed class TakeBaseBackup(BackupCatalog catalog, IOptions<DatabaseOptions> database, ILogger<TakeBaseBackup> logger)
    : TaskActivity<TakeBaseBackupInput, BaseBackupTaken>
{
    public const string Kind = "database";

    public override async Task<BaseBackupTaken> RunAsync(TaskActivityContext context, TakeBaseBackupInput input)
    {
        if (await catalog.TryGetAsync(Kind, input.BackupId) is { Database: { } done } existing)
        {
            return new(existing.BackupId, catalog.Store.Location, existing.ArchiveKey, existing.ArchiveSizeBytes, done.UncompressedBytes,
                done.StartLsn, done.StopLsn, done.Timeline, done.DurationSeconds, AlreadyExisted: true);
        }

        var options = database.Value;
        var key = BackupCatalog.Prefix(Kind, input.BackupId) + "base.tar.zst";
        var clock = Stopwatch.StartNew();
        var result = await BaseBackupStream.TakeAsync(options, catalog.Store, key, CancellationToken.None);
        await catalog.Store.ReadVerifiedAsync(key, Stream.Null); // what the store holds, re-read, before it counts
        var info = new DatabaseBackupInfo($"{options.Host}:{options.Port}", result.StartLsn, result.StopLsn, result.Timeline,
            DateTimeOffset.UtcNow, Math.Round(clock.Elapsed.TotalSeconds, 3), result.UncompressedBytes);
        await catalog.WriteManifestAsync(new BackupManifest(input.BackupId, Kind, input.TakenAtUtc, key, result.Archive.SizeBytes,
            result.Archive.Sha256!, "zstd", [], info));
        logger.LogInformation("Base backup {BackupId}: {Bytes} bytes ({Uncompressed} uncompressed), WAL {Start}..{Stop}", input.BackupId, result.Archive.SizeBytes, result.UncompressedBytes, result.StartLsn, result.StopLsn);
        return new(input.BackupId, catalog.Store.Location, key, result.Archive.SizeBytes, result.UncompressedBytes, result.StartLsn, result.StopLsn,
            result.Timeline, info.DurationSeconds, AlreadyExisted: false);
    }
}
