using CausalEval.Dr.Activities.Storage;
using CausalEval.Dr.Core.Retention;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Activities.Retention;

/// <summary>The orchestration passes its own (replay-safe) clock as <see cref="NowUtc"/>.</summary>
public sealed record ApplyRetentionInput(string Kind, int? KeepCount, double? KeepDays, DateTimeOffset NowUtc);

public sealed record RetentionOutcome(string Kind, int Kept, IReadOnlyList<string> Deleted);

/// <summary>Deletes the complete backups of one kind that the policy no longer keeps. Idempotent.</summary>
public sealed class ApplyRetention(BackupCatalog catalog, ILogger<ApplyRetention> logger) : TaskActivity<ApplyRetentionInput, RetentionOutcome>
{
    public override async Task<RetentionOutcome> RunAsync(TaskActivityContext context, ApplyRetentionInput input)
    {
        var policy = new RetentionPolicy(input.KeepCount, input.KeepDays is { } days ? TimeSpan.FromDays(days) : null);
        policy.EnsureValid();
        var complete = await catalog.ListCompleteAsync(input.Kind);
        var verified = new HashSet<string>();
        foreach (var manifest in complete)
        {
            if (await catalog.IsVerifiedAsync(manifest.Kind, manifest.BackupId))
            {
                verified.Add(manifest.BackupId);
            }
        }

        var expired = policy.SelectForDeletion(complete, m => m.TakenAtUtc, input.NowUtc, m => verified.Contains(m.BackupId));
        foreach (var manifest in expired)
        {
            await catalog.DeleteAsync(manifest.Kind, manifest.BackupId);
            logger.LogInformation("Retention deleted {Kind} backup {BackupId} taken {TakenAt}", manifest.Kind, manifest.BackupId, manifest.TakenAtUtc);
        }

        return new(input.Kind, complete.Count - expired.Count, expired.Select(m => m.BackupId).ToList());
    }
}
