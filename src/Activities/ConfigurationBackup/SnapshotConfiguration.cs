using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Activities.ConfigurationBackup;

public sealed record SnapshotConfigurationInput(string BackupId, DateTimeOffset TakenAtUtc);

public sealed record ConfigurationSnapshot(string BackupId, string StoreLocation, string ArchiveKey, string ManifestKey, long ArchiveSizeBytes, string ArchiveSha256, int FileCount, bool AlreadyExisted);

/// <summary>
/// Packs the configured files (ConfigurationBackup:Paths) into one checksummed archive + manifest.
/// Idempotent: a second run for a backup id that already has a manifest returns that backup.
/// </summary>
public sealed class SnapshotConfiguration(
    BackupCatalog catalog,
    IOptionsMonitor<FileSetOptions> options,
    ILogger<SnapshotConfiguration> logger) : TaskActivity<SnapshotConfigurationInput, ConfigurationSnapshot>
{
    public const string Kind = "configuration";

    public override async Task<ConfigurationSnapshot> RunAsync(TaskActivityContext context, SnapshotConfigurationInput input)
    {
        var manifestKey = BackupCatalog.ManifestKey(Kind, input.BackupId);
        if (await catalog.TryGetAsync(Kind, input.BackupId) is { } done)
        {
            logger.LogInformation("Configuration backup {BackupId} already complete; not taken again", input.BackupId);
            return new(done.BackupId, catalog.Store.Location, done.ArchiveKey, manifestKey, done.ArchiveSizeBytes, done.ArchiveSha256, done.Files.Count, AlreadyExisted: true);
        }

        // Resolve every path before touching storage: a missing file fails the backup with nothing uploaded.
        var files = FileSetArchive.ResolveFiles(FileSets.Configuration.Section, options.Get(Kind));
        var manifest = await FileSetArchive.TakeAsync(catalog, Kind, input.BackupId, input.TakenAtUtc, files);
        logger.LogInformation("Configuration backup {BackupId}: {Count} files, {Size} bytes to {Location}", input.BackupId, manifest.Files.Count, manifest.ArchiveSizeBytes, catalog.Store.Location);
        return new(input.BackupId, catalog.Store.Location, manifest.ArchiveKey, manifestKey, manifest.ArchiveSizeBytes, manifest.ArchiveSha256, manifest.Files.Count, AlreadyExisted: false);
    }
}
