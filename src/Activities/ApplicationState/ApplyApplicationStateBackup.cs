using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Adapters.ApplicationState;
using CausalEval.Dr.Adapters.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Activities.ApplicationState;

public sealed record ApplyApplicationStateBackupInput(string BackupId);

public sealed record ApplicationStateRestored(string BackupId, int Sessions, int ExpiredSessions, int QueueLength, int ModelCacheFiles, int StrayFilesRemoved);

/// <summary>
/// Makes the live application state equal to a backup: every entry checked against the manifest first,
/// then written (LiveApplicationState: sessions with their expiry, the queue in order, the cache exactly).
/// Running it twice gives the same state (idempotent).
/// </summary>
public sealed class ApplyApplicationStateBackup(BackupCatalog catalog, IOptions<ApplicationStateOptions> options)
    : TaskActivity<ApplyApplicationStateBackupInput, ApplicationStateRestored>
{
    public override async Task<ApplicationStateRestored> RunAsync(TaskActivityContext context, ApplyApplicationStateBackupInput input)
    {
        var manifest = await catalog.TryGetAsync(BackupKind.ApplicationState, input.BackupId)
            ?? throw new BadInputException($"no complete application-state backup '{input.BackupId}' in {catalog.Store.Location}");
        using var archive = new MemoryStream();
        await catalog.Store.ReadVerifiedAsync(manifest.ArchiveKey, archive);
        archive.Position = 0;
        var content = await ApplicationStateArchive.UnpackAsync(archive, manifest.Files);
        var written = await LiveApplicationState.WriteAsync(options.Value, content);
        return new(input.BackupId, written.Sessions, written.ExpiredSessions, written.QueueLength, written.ModelCacheFiles, written.StrayFilesRemoved);
    }
}
