using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.FileStorage;

/// <param name="PointId">The run's own point: its progress is not another run under way.</param>
public sealed record ApplyFileRetentionInput(string PointId, DateTimeOffset NowUtc);

/// <param name="Swept">False when another run was under way: its contents are not held by a point yet, so nothing unheld was removed.</param>
public sealed record FileRetentionOutcome(string Policy, int Kept, IReadOnlyList<string> Deleted, bool Swept, int ContentsRemoved, int PartsRemoved);

/// <summary>
/// File-storage retention (seed: 7 days of points, and the first point of each day for 30: <c>Retention:FileStorage:KeepDays</c>,
/// <c>Retention:FileStorage:DailyDays</c>). The newest point always stays. When a point went, and unless another run is under
/// way, the contents and state parts no kept point holds are removed, if older than the unfinished-upload grace (a run's
/// newest uploads are not held by a point until it seals). Idempotent.
/// </summary>
public sealed class ApplyFileRetention(BackupCatalog catalog, IConfiguration configuration, ILogger<ApplyFileRetention> logger)
    : DrActivity<ApplyFileRetention, ApplyFileRetentionInput, FileRetentionOutcome>
{
    public override async Task<FileRetentionOutcome> RunAsync(TaskActivityContext context, ApplyFileRetentionInput input)
    {
        var keepDays = configuration.GetValue<double?>("Retention:FileStorage:KeepDays") ?? 7;
        var dailyDays = configuration.GetValue<double?>("Retention:FileStorage:DailyDays") ?? 30;
        var backups = new FileBackupStore(catalog.Store);
        var points = await backups.ListPointsAsync();
        var keep = FilePointRetention.Keep(points, input.NowUtc, TimeSpan.FromDays(keepDays), TimeSpan.FromDays(dailyDays));
        var deleted = new List<string>();
        foreach (var point in points.Where(p => !keep.Contains(p.Id)))
        {
            // point.json first: from then on the point is not listed, whatever a crash leaves of its folder.
            await catalog.Store.DeleteAsync(FileBackupStore.PointKey(point.Id));
            foreach (var item in await catalog.Store.ListAsync($"{FileBackupStore.Root}points/{point.Id}/"))
            {
                await catalog.Store.DeleteAsync(item.Key);
            }

            deleted.Add(point.Id);
            logger.LogInformation("File-storage retention deleted point {Point} ({Region}, taken {TakenAt})", point.Id, point.Region, point.TakenAt);
        }

        var policy = $"keep {keepDays:0.#} days, the first of each day {dailyDays:0.#} days";
        if (deleted.Count == 0)
        {
            // Contents become unheld only when a point goes (or a killed run left some): no sweep of every content each 15 minutes.
            return new FileRetentionOutcome(policy, keep.Count, deleted, Swept: false, 0, 0);
        }

        var others = (await catalog.Store.ListAsync($"{FileBackupStore.Root}points/"))
            .Where(i => i.Key.EndsWith("/progress.json", StringComparison.Ordinal) && !i.Key.Contains($"/{input.PointId}/", StringComparison.Ordinal))
            .ToList();
        if (others.Count > 0)
        {
            return new FileRetentionOutcome(policy, keep.Count, deleted, Swept: false, 0, 0);
        }

        var (contents, parts) = await SweepAsync(backups, points.Where(p => keep.Contains(p.Id)).ToList(), input.NowUtc - RetentionGrace());
        return new FileRetentionOutcome(policy, keep.Count, deleted, Swept: true, contents, parts);
    }

    private TimeSpan RetentionGrace() => Backups.RetentionSettings.UnfinishedGrace(configuration);

    /// <summary>Marks every part and content the kept points hold, then removes the rest that is older than <paramref name="before"/>.</summary>
    private static async Task<(int Contents, int Parts)> SweepAsync(FileBackupStore backups, IReadOnlyList<FilePoint> kept, DateTimeOffset before)
    {
        var parts = new HashSet<string>(StringComparer.Ordinal);
        var contents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in kept.SelectMany(p => p.Parts).Where(p => parts.Add(p.Sha256)))
        {
            foreach (var entry in await backups.ReadPartAsync(part))
            {
                contents.Add(entry.Sha256);
            }
        }

        var removedParts = 0;
        foreach (var item in await backups.Store.ListAsync($"{FileBackupStore.Root}parts/"))
        {
            var sha = Path.GetFileNameWithoutExtension(item.Key);
            if (!parts.Contains(sha) && item.LastModified < before)
            {
                await backups.Store.DeleteAsync(item.Key);
                removedParts++;
            }
        }

        var removedContents = 0;
        foreach (var item in await backups.Store.ListAsync($"{FileBackupStore.Root}content/"))
        {
            if (!contents.Contains(Path.GetFileName(item.Key)) && item.LastModified < before)
            {
                await backups.Store.DeleteAsync(item.Key);
                removedContents++;
            }
        }

        return (removedContents, removedParts);
    }
}
