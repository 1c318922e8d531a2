using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Backups;

/// <summary>
/// ApplyRetention with a controlled clock: of the failed attempts (no manifest) only those whose heartbeat
/// stopped more than a week before "now" lose their parts; complete backups follow the count policy, and a
/// running backup is never touched.
/// </summary>
public sealed class Retention_removes_week_old_failed_attempts_test : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 2, 0, 0, TimeSpan.Zero);
    private readonly string root = RepoPaths.NewTempDirectory("retention-failed");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Only_week_old_failed_attempts_and_policy_expired_backups_go()
    {
        var catalog = new BackupCatalog(new LocalDirectoryObjectStore(root));
        await AttemptAsync(catalog, "old-failed", Now.AddDays(-8), failed: false);   // heartbeat stopped 8 days ago
        await AttemptAsync(catalog, "old-marked", Now.AddDays(-9), failed: true);    // failed.json, 9 days ago
        await AttemptAsync(catalog, "recent-failed", Now.AddDays(-2), failed: true);
        await AttemptAsync(catalog, "running", Now.AddSeconds(-5), failed: false);   // fresh heartbeat
        foreach (var (id, age) in new[] { ("complete-new", 1), ("complete-old", 3) })
        {
            await catalog.WriteManifestAsync(new BackupManifest(id, BackupKind.Database, Now.AddDays(-age), $"database/{id}/base.tar.zst", 1, "00", "zstd", []));
        }

        var outcome = await new ApplyRetention(catalog, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), NullLogger<ApplyRetention>.Instance)
            .RunAsync(null!, new ApplyRetentionInput(BackupKind.Database, KeepCount: 1, KeepDays: null, NowUtc: Now));

        Assert.Equal(["complete-old", "old-failed", "old-marked"], outcome.Deleted.Order());
        var left = (await catalog.ListAsync(BackupKind.Database, Now)).Select(e => (e.BackupId, e.StatusName)).OrderBy(e => e.BackupId).ToList();
        Assert.Equal([("complete-new", "complete"), ("recent-failed", "failed"), ("running", "running")], left);
    }

    private static async Task AttemptAsync(BackupCatalog catalog, string id, DateTimeOffset lastHeartbeat, bool failed)
    {
        await catalog.WriteProgressAsync(new BackupProgressRecord(id, BackupKind.Database, "primary", lastHeartbeat.AddMinutes(-1), lastHeartbeat, 10, 100, 5));
        using (var part = new MemoryStream([1, 2, 3]))
        {
            await catalog.Store.PutAsync($"database/{id}/base.tar.zst", part);
        }

        if (failed)
        {
            await catalog.MarkFailedAsync(new BackupFailureRecord(id, BackupKind.Database, lastHeartbeat, "pg_basebackup failed"));
        }
    }
}
