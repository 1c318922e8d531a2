using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>
/// A file-set backup (configuration, metrics, logs): the files <c>{Section}:Paths</c> names (globs allowed) as one
/// checksummed archive + manifest. Every named path is resolved before anything is stored: a missing file
/// fails the backup with nothing uploaded. Idempotent per backup id.
/// </summary>
public sealed class SnapshotFiles(BackupCatalog catalog, IOptionsMonitor<FileSetOptions> options, ILogger<SnapshotFiles> logger)
    : DrActivity<SnapshotFiles, SnapshotInput, SnapshotTaken>
{
    public override async Task<SnapshotTaken> RunAsync(TaskActivityContext context, SnapshotInput input)
    {
        var section = FileSets.SectionOf(input.Kind);
        if (await catalog.TryGetAsync(input.Kind, input.BackupId) is { } done)
        {
            return new(input.Kind, done.BackupId, done.ArchiveKey, done.ArchiveSizeBytes, done.Files.Count, AlreadyExisted: true);
        }

        var files = FileSetArchive.ResolveFiles(section, options.Get(input.Kind.Name));
        if (files.Count == 0)
        {
            logger.LogWarning("{Kind} backup {BackupId}: {Section}:Paths matched no file; an empty backup records that", input.Kind, input.BackupId, section);
        }

        var manifest = await FileSetArchive.TakeAsync(catalog, input.Kind, input.BackupId, input.TakenAtUtc, files);
        logger.LogInformation("{Kind} backup {BackupId}: {Count} files, {Size} bytes to {Location}", input.Kind, input.BackupId, manifest.Files.Count,
            manifest.ArchiveSizeBytes, catalog.Store.Location);
        return new(input.Kind, input.BackupId, manifest.ArchiveKey, manifest.ArchiveSizeBytes, manifest.Files.Count, AlreadyExisted: false);
    }
}
