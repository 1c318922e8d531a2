using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Backups;

/// <summary>
/// One backup whose manifest no longer reads (corrupted behind the store's back) must not hide the others:
/// the listing names it as unreadable with the error, and retention neither counts it as kept nor deletes it.
/// </summary>
public sealed class Catalog_lists_past_an_unreadable_entry_test : IDisposable
{
    private readonly string root = RepoPaths.NewTempDirectory("catalog-unreadable");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task An_unreadable_manifest_is_listed_as_such_and_the_rest_still_lists()
    {
        var catalog = new BackupCatalog(new LocalDirectoryObjectStore(root));
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, age) in new[] { ("good", 1), ("corrupt", 2) })
        {
            await catalog.WriteManifestAsync(new BackupManifest(id, BackupKind.Database, now.AddDays(-age), $"database/{id}/base.tar.zst", 1, "00", "zstd",
                []));
        }

        await File.WriteAllTextAsync(Path.Combine(root, "database/corrupt/manifest.json"), "{\"not\": \"what was written\"}");

        var entries = await catalog.ListAsync(BackupKind.Database, now);
        Assert.Equal([("corrupt", "unreadable"), ("good", "complete")], entries.Select(e => (e.BackupId, e.StatusName)).Order());
        Assert.Contains("corrupt", entries.Single(e => e.BackupId == "corrupt").Detail);
        Assert.Equal(["good"], (await catalog.ListCompleteAsync(BackupKind.Database)).Select(m => m.BackupId));

        var outcome = await new ApplyRetention(catalog, new ConfigurationBuilder().Build(), NullLogger<ApplyRetention>.Instance)
            .RunAsync(null!, new ApplyRetentionInput(BackupKind.Database, KeepCount: 1, KeepDays: null, NowUtc: now));
        Assert.Empty(outcome.Deleted);
        Assert.Equal(1, outcome.Kept);
        Assert.Single(outcome.Unreadable!);
        Assert.NotNull(await catalog.Store.GetInfoAsync("database/corrupt/manifest.json"));
    }

    [Fact]
    public async Task A_manifest_whose_write_never_finished_is_no_complete_backup_and_its_rerun_writes_it_anew()
    {
        // What a killed writer leaves in a store whose PUT is not atomic (s3rver): the object, without its recorded checksum.
        var catalog = new BackupCatalog(new LocalDirectoryObjectStore(root));
        Directory.CreateDirectory(Path.Combine(root, "database", "unfinished"));
        await File.WriteAllTextAsync(Path.Combine(root, "database", "unfinished", "manifest.json"), "{\"backupId\": \"unfin");
        Assert.Null((await catalog.Store.GetInfoAsync("database/unfinished/manifest.json"))!.Sha256);

        Assert.Null(await catalog.TryGetAsync(BackupKind.Database, "unfinished")); // not complete: a rerun takes the backup again

        await catalog.WriteManifestAsync(new BackupManifest("unfinished", BackupKind.Database, DateTimeOffset.UtcNow, "database/unfinished/base.tar.zst", 1,
            "00", "zstd", []));
        Assert.Equal("unfinished", (await catalog.TryGetAsync(BackupKind.Database, "unfinished"))!.BackupId);
    }
}
