using CausalEval.Dr.Adapters.ApplicationState;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="BackupId">A backup id, or "latest" (the newest complete one).</param>
/// <param name="Region">Restore into this region's Redis and model cache (ApplicationState:Regions) instead of the configured ones.</param>
/// <param name="IfAny">With "latest": no backup at all restores nothing (reported) instead of failing.</param>
public sealed record ApplyApplicationStateBackupInput(string BackupId, string? Region = null, bool IfAny = false);

public sealed record ApplicationStateRestored(string BackupId, int Sessions, int ExpiredSessions, int QueueLength, int ModelCacheFiles, int StrayFilesRemoved);

/// <summary>
/// Makes the live application state equal to a backup: every entry checked against the manifest first,
/// then written (LiveApplicationState: sessions with their expiry, the queue in order, the cache exactly).
/// Running it twice gives the same state (idempotent).
/// </summary>
public sealed class ApplyApplicationStateBackup(BackupCatalog catalog, IOptions<ApplicationStateOptions> options)
    : DrActivity<ApplyApplicationStateBackup, ApplyApplicationStateBackupInput, ApplicationStateRestored>
{
    public override async Task<ApplicationStateRestored> RunAsync(TaskActivityContext context, ApplyApplicationStateBackupInput input)
    {
        var latest = input.BackupId == "latest";
        var manifest = latest
            ? (await catalog.ListCompleteAsync(BackupKind.ApplicationState)).MaxBy(m => m.TakenAtUtc)
            : await catalog.TryGetAsync(BackupKind.ApplicationState, input.BackupId);
        if (manifest is null)
        {
            return latest && input.IfAny
                ? new("none", 0, 0, 0, 0, 0)
                : throw new BadInputException($"no complete application-state backup '{input.BackupId}' in {catalog.Store.Location}");
        }

        using var archive = new MemoryStream();
        await catalog.Store.ReadVerifiedAsync(manifest.ArchiveKey, archive);
        archive.Position = 0;
        var content = await ApplicationStateArchive.UnpackAsync(archive, manifest.Files);
        var written = await LiveApplicationState.WriteAsync(input.Region is { } region ? options.Value.ForRegion(region) : options.Value, content);
        return new(manifest.BackupId, written.Sessions, written.ExpiredSessions, written.QueueLength, written.ModelCacheFiles, written.StrayFilesRemoved);
    }
}
