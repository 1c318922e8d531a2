using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// Database retention with incrementals, over a real local store and a controlled clock: fulls follow their days (30), incrementals
/// theirs (7); an expired full that a kept incremental builds on stays, and so does every incremental between them; a chain wholly
/// past its days goes, children first.
/// </summary>
public sealed class Retention_never_deletes_a_parent_a_kept_incremental_needs_test : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private readonly string root = RepoPaths.NewTempDirectory("retention-chain");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Expired_parents_of_kept_incrementals_stay_and_whole_expired_chains_go()
    {
        var catalog = new BackupCatalog(new LocalDirectoryObjectStore(root));
        // Chain A, 40 days old: a full and two incrementals, nothing kept. Chain B: a full 35 days old whose incrementals run until
        // 3 days ago. Chain C: today's full and one incremental.
        await BackupAsync(catalog, "a-full", 40, null);
        await BackupAsync(catalog, "a-inc1", 39.9, "a-full");
        await BackupAsync(catalog, "a-inc2", 39.8, "a-inc1");
        await BackupAsync(catalog, "b-full", 35, null);
        await BackupAsync(catalog, "b-inc1", 20, "b-full");
        await BackupAsync(catalog, "b-inc2", 10, "b-inc1");
        await BackupAsync(catalog, "b-inc3", 3, "b-inc2");
        await BackupAsync(catalog, "c-full", 0.5, null);
        await BackupAsync(catalog, "c-inc1", 0.1, "c-full");

        var outcome = await new ApplyRetention(catalog, new ConfigurationBuilder().Build(), NullLogger<ApplyRetention>.Instance)
            .RunAsync(null!, new ApplyRetentionInput(BackupKind.Database, null, null, Now));

        Assert.Equal(["a-inc2", "a-inc1", "a-full"], outcome.Deleted); // children first
        Assert.Equal("full: keep 30 days, incremental: keep 7 days", outcome.Policy);
        var left = (await catalog.ListCompleteAsync(BackupKind.Database)).Select(m => m.BackupId).Order().ToList();
        Assert.Equal(["b-full", "b-inc1", "b-inc2", "b-inc3", "c-full", "c-inc1"], left);
    }

    private static Task BackupAsync(BackupCatalog catalog, string id, double daysAgo, string? parent)
    {
        var at = Now.AddDays(-daysAgo);
        var info = new DatabaseBackupInfo("primary", "0/1000028", "0/1000100", 1, at, 1, 100, ParentId: parent,
            FilesKey: parent is null ? null : $"database/{id}/files.json");
        return catalog.WriteManifestAsync(new BackupManifest(id, BackupKind.Database, at, $"database/{id}/base.tar.zst", 1, "00", "zstd", [], info));
    }
}
