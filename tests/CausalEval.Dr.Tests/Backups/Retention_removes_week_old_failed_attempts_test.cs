using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Backups;

/// <summary>
/// ApplyRetention with a controlled clock: of the failed attempts (no manifest) only those whose heartbeat
/// stopped more than a week before "now" lose their parts; complete backups follow the count policy, and a
/// running backup is never touched. An attempt killed before its first heartbeat (parts, no progress.json)
/// is dated by its newest object; what unfinished uploads left goes unless a running attempt may own it.
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
        await catalog.Store.PutAsync("database/no-heartbeat/base.tar.zst", new MemoryStream([1]));  // killed before its first heartbeat
        Age(Path.Combine(root, "database/no-heartbeat/base.tar.zst"), Now.AddDays(-10));
        var leftovers = new[] { "old-failed", "complete-old", "running" }
            .ToDictionary(id => id, id => Path.Combine(root, $"database/{id}/base.tar.zst.{Guid.NewGuid():N}.partial"));
        foreach (var (id, age) in new[] { ("complete-new", 1), ("complete-old", 3) })
        {
            await catalog.WriteManifestAsync(new BackupManifest(id, BackupKind.Database, Now.AddDays(-age), $"database/{id}/base.tar.zst", 1, "00", "zstd",
                []));
        }

        foreach (var partial in leftovers.Values)
        {
            File.WriteAllBytes(partial, [1]);
            Age(partial, Now.AddHours(-2));
        }

        var outcome = await new ApplyRetention(catalog, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(),
            NullLogger<ApplyRetention>.Instance)
            .RunAsync(null!, new ApplyRetentionInput(BackupKind.Database, KeepCount: 1, KeepDays: null, NowUtc: Now));

        Assert.Equal(["complete-old", "no-heartbeat", "old-failed", "old-marked"], outcome.Deleted.Order());
        Assert.False(File.Exists(leftovers["old-failed"]) || File.Exists(leftovers["complete-old"]), "an unfinished upload of a finished attempt was left");
        Assert.True(File.Exists(leftovers["running"]), "an upload a running backup may still be writing was removed");
        var left = (await catalog.ListAsync(BackupKind.Database, Now)).Select(e => (e.BackupId, e.StatusName)).OrderBy(e => e.BackupId).ToList();
        Assert.Equal([("complete-new", "complete"), ("recent-failed", "failed"), ("running", "running")], left);
    }

    /// <summary>Dates a file (through the store's link to it, if it is one) as if written at <paramref name="at"/>.</summary>
    private static void Age(string path, DateTimeOffset at) =>
        File.SetLastWriteTimeUtc(new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path, at.UtcDateTime);

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
