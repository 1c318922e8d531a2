using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.FileStorage;

/// <param name="Region">Whose file store (default: the region serving now).</param>
/// <param name="PagesPerStep">Listing pages (of 1,000 objects) one "copy changes" step takes on: the run's progress shows between steps.</param>
public sealed record FileStorageBackupInput(string? Region = null, string? Trigger = null, int PagesPerStep = 20) : ITriggeredInput, IValidatedInput
{
    public string? Validate() => PagesPerStep is < 1 or > 1000 ? $"pagesPerStep: {PagesPerStep} is outside 1..1000"
        : Region is { } r && string.IsNullOrWhiteSpace(r) ? "region: empty (leave it out for the serving region)"
        : null;
}

public sealed record FileStorageBackupResult(string PointId, FilePointSummary Point, FileRetentionOutcome Retention);

/// <summary>
/// Runbook: the framework's file storage, every 15 minutes (seed: incremental, RPO 15 min).
/// 1. Plan: the region (the serving one unless named) and its file store; the point compared with (the region's newest).
/// 2. Copy changes, a batch of listing pages per step until the listing ends: only new or changed objects are read and
///    stored, each content once by its SHA-256; deletions are tombstones; progress is saved after every page, so a run killed
///    anywhere goes on where it stopped.
/// 3. Seal the point: from here it lists as complete, and the state as of it can be rebuilt.
/// 4. Retention: points older than 7 days go, but the first of each day stays 30 days; contents and parts no kept point
///    holds are removed once no other run is under way.
/// </summary>
public sealed class FileStorageBackup : Runbook<FileStorageBackupInput?, FileStorageBackupResult>
{
    protected override async Task<FileStorageBackupResult> RunStepsAsync(RunbookRun run, FileStorageBackupInput? input)
    {
        input ??= new FileStorageBackupInput();
        var pointId = run.Subject = BackupIds.For(run.Now, run.InstanceId);
        var plan = await run.StepAsync("plan", PlanFileBackup.Ref, new PlanFileBackupInput(pointId, input.Region, run.Now), StepOptions.Retried);

        FileScanStep batch;
        do
        {
            batch = await run.StepAsync("copy changes", CopyFileChanges.Ref, new CopyFileChangesInput(pointId, plan.Region, input.PagesPerStep),
                StepOptions.Retried);
            run.SetDetail($"{batch.ObjectsSoFar} objects listed, {batch.CopiedSoFar} copied");
        }
        while (!batch.Listed);

        var point = await run.StepAsync("seal point", SealFilePoint.Ref, new SealFilePointInput(pointId, plan.Region), StepOptions.Retried);
        var retention = await run.StepAsync("retention", ApplyFileRetention.Ref, new ApplyFileRetentionInput(pointId, run.Now), StepOptions.Retried);

        run.Report("objects", point.Objects);
        run.Report("sizeBytes", point.Bytes);
        run.Report("added", point.Added);
        run.Report("changed", point.Changed);
        run.Report("deleted", point.Deleted);
        run.Report("copiedBytes", point.CopiedBytes);
        return new FileStorageBackupResult(pointId, point, retention);
    }
}
