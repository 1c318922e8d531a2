using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Activities.FileBackup;

/// <param name="Kind">"metrics" (MetricsBackup:Paths) or "logs" (LogsBackup:Paths).</param>
public sealed record SnapshotFilesInput(string Kind, string BackupId, DateTimeOffset TakenAtUtc);

public sealed record FileSetSnapshot(string Kind, string BackupId, string ArchiveKey, long ArchiveSizeBytes, int FileCount, bool AlreadyExisted);

/// <summary>The metrics or logs backup: the configured files (globs allowed) as one checksummed archive + manifest. Idempotent per backup id.</summary>
public sealed class SnapshotFiles(BackupCatalog catalog, IOptionsMonitor<FileSetOptions> options, ILogger<SnapshotFiles> logger)
    : TaskActivity<SnapshotFilesInput, FileSetSnapshot>
{
    public override async Task<FileSetSnapshot> RunAsync(TaskActivityContext context, SnapshotFilesInput input)
    {
        var section = FileSets.SectionOf(input.Kind);
        if (await catalog.TryGetAsync(input.Kind, input.BackupId) is { } done)
        {
            return new(input.Kind, done.BackupId, done.ArchiveKey, done.ArchiveSizeBytes, done.Files.Count, AlreadyExisted: true);
        }

        var files = FileSetArchive.ResolveFiles(section, options.Get(input.Kind));
        if (files.Count == 0)
        {
            logger.LogWarning("{Kind} backup {BackupId}: {Section}:Paths matched no file; an empty backup records that", input.Kind, input.BackupId, section);
        }

        var manifest = await FileSetArchive.TakeAsync(catalog, input.Kind, input.BackupId, input.TakenAtUtc, files);
        logger.LogInformation("{Kind} backup {BackupId}: {Count} files, {Size} bytes", input.Kind, input.BackupId, manifest.Files.Count, manifest.ArchiveSizeBytes);
        return new(input.Kind, input.BackupId, manifest.ArchiveKey, manifest.ArchiveSizeBytes, manifest.Files.Count, AlreadyExisted: false);
    }
}
