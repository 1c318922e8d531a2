using System.Diagnostics;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Steps.Database;

/// <param name="Source">"primary" or "standby" (a standby backup spares the primary's I/O).</param>
public sealed record TakeBaseBackupInput(string BackupId, DateTimeOffset TakenAtUtc, string Source = BackupSources.Primary);

public sealed record BaseBackupTaken(string BackupId, string StoreLocation, string ArchiveKey, long ArchiveSizeBytes, long UncompressedBytes,
    string StartLsn, string StopLsn, int Timeline, double DurationSeconds, bool AlreadyExisted);

/// <summary>
/// A full base backup of the primary or the standby, streamed compressed into the store, then its manifest
/// (written last: until then the backup does not exist for the catalog). While it runs, a heartbeat with
/// its progress is rewritten in the store, so `dr backup list` shows it running, and failed once the
/// heartbeat stops. Idempotent per backup id: a rerun after a crash starts the upload over.
/// </summary>
public sealed class TakeBaseBackup(BackupCatalog catalog, IOptions<DatabaseOptions> database, TopologyOptions topology, ILogger<TakeBaseBackup> logger)
    : DrActivity<TakeBaseBackup, TakeBaseBackupInput, BaseBackupTaken>
{
    private static readonly BackupKind Kind = BackupKind.Database;
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(5);

    public override async Task<BaseBackupTaken> RunAsync(TaskActivityContext context, TakeBaseBackupInput input)
    {
        if (await catalog.TryGetAsync(Kind, input.BackupId) is { Database: { } done } existing)
        {
            return new(existing.BackupId, catalog.Store.Location, existing.ArchiveKey, existing.ArchiveSizeBytes, done.UncompressedBytes,
                done.StartLsn, done.StopLsn, done.Timeline, done.DurationSeconds, AlreadyExisted: true);
        }

        var options = database.Value;
        var serving = await new ServingPrimaryStore(catalog.Store).ReadAsync();
        var endpoint = DatabaseEndpoint.Resolve(topology, input.Source, serving?.Node);
        var key = BackupCatalog.Prefix(Kind, input.BackupId) + "base.tar.zst";
        var pgManifestKey = BackupCatalog.Prefix(Kind, input.BackupId) + "backup_manifest";
        await DatabaseProbe.EnsureReachableAsync(options, endpoint);
        var clock = Stopwatch.StartNew();
        var heartbeat = new BackupProgressRecord(input.BackupId, Kind, input.Source, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 0, 0, 0);
        await catalog.ClearFailedAsync(Kind, input.BackupId);
        await catalog.WriteProgressAsync(heartbeat);

        using var stopHeartbeat = new CancellationTokenSource();
        var beating = BeatAsync(() => heartbeat, stopHeartbeat.Token);
        BaseBackupResult result;
        try
        {
            result = await BaseBackupStream.TakeAsync(options, endpoint, catalog.Store, key, pgManifestKey,
                p => heartbeat = heartbeat with { SentBytes = p.SentBytes, TotalBytes = p.TotalBytes, StoredBytes = p.StoredBytes }, CancellationToken.None);
        }
        catch (Exception e)
        {
            await stopHeartbeat.CancelAsync();
            await beating;
            await catalog.MarkFailedAsync(new BackupFailureRecord(input.BackupId, Kind, DateTimeOffset.UtcNow, e.Message));
            throw;
        }

        await stopHeartbeat.CancelAsync();
        await beating;
        var info = new DatabaseBackupInfo($"{input.Source} {endpoint.Host}:{endpoint.Port}", result.StartLsn, result.StopLsn, result.Timeline,
            DateTimeOffset.UtcNow, Math.Round(clock.Elapsed.TotalSeconds, 3), result.UncompressedBytes, pgManifestKey);
        await catalog.WriteManifestAsync(new BackupManifest(input.BackupId, Kind, input.TakenAtUtc, key, result.ArchiveSizeBytes,
            ArchivePart.CombinedSha256(result.Parts), "zstd", [], info, result.Parts));
        logger.LogInformation("Base backup {BackupId} from {Source}: {Bytes} bytes in {Parts} parts ({Uncompressed} sent), WAL {Start}..{Stop} in {Seconds} s",
            input.BackupId, info.Source, result.ArchiveSizeBytes, result.Parts.Count, result.UncompressedBytes, result.StartLsn, result.StopLsn,
                info.DurationSeconds);
        return new(input.BackupId, catalog.Store.Location, key, result.ArchiveSizeBytes, result.UncompressedBytes, result.StartLsn, result.StopLsn,
            result.Timeline, info.DurationSeconds, AlreadyExisted: false);
    }

    private async Task BeatAsync(Func<BackupProgressRecord> current, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(HeartbeatEvery, stop);
                await catalog.WriteProgressAsync(current() with { UpdatedAtUtc = DateTimeOffset.UtcNow }, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // A lost heartbeat must not fail the backup itself; the list may show it stale meanwhile.
            logger.LogWarning(e, "Heartbeat of backup {Kind}/{Id} failed", Kind, current().BackupId);
        }
    }
}
