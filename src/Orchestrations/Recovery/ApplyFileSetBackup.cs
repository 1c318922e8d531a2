using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Recovery;

public sealed record ApplyFileSetBackupInput(BackupKind Kind, string BackupId);

public sealed record FileSetRestored(BackupKind Kind, string BackupId, int Files);

/// <summary>
/// Puts the files of a file-set backup (configuration, usually) back where they were taken from, under
/// <c>{Section}:BaseDirectory</c>; every file checked against the manifest before the first is written.
/// Idempotent: a rerun writes the same bytes again.
/// </summary>
public sealed class ApplyFileSetBackup(BackupCatalog catalog, IOptionsMonitor<FileSetOptions> options, ILogger<ApplyFileSetBackup> logger)
    : DrActivity<ApplyFileSetBackup, ApplyFileSetBackupInput, FileSetRestored>
{
    public override async Task<FileSetRestored> RunAsync(TaskActivityContext context, ApplyFileSetBackupInput input)
    {
        var section = FileSets.SectionOf(input.Kind);
        var manifest = await catalog.TryGetAsync(input.Kind, input.BackupId)
            ?? throw new BadInputException($"no complete {input.Kind} backup '{input.BackupId}' in {catalog.Store.Location}");
        var baseDirectory = options.Get(input.Kind.Name).BaseDirectory ?? Directory.GetCurrentDirectory();
        var written = await FileSetArchive.RestoreAsync(catalog.Store, manifest, baseDirectory);
        logger.LogInformation("{Kind} backup {BackupId} restored: {Count} files under {Section}:BaseDirectory {Base}", input.Kind, input.BackupId,
            written.Count, section, baseDirectory);
        return new(input.Kind, input.BackupId, written.Count);
    }
}
