using System.Formats.Tar;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// A chain of a full backup and an incremental in a real local store, their archives in checked parts: the restore writes each
/// file from the member the list names (a file changed since the full comes from the incremental, a file dropped since is not
/// restored, the full's WAL and label are left out, the incremental's label goes in); a non-empty directory is refused without
/// --delta; with it, a file whose bytes match stays, a changed one is rewritten, one the backup does not hold is removed.
/// </summary>
public sealed class A_chain_restores_each_file_once_and_delta_keeps_what_matches_test : IDisposable
{
    private readonly string root = RepoPaths.NewTempDirectory("chain-restore");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Each_file_comes_from_its_holder_and_a_delta_rewrites_only_what_differs()
    {
        var store = new LocalDirectoryObjectStore(Path.Combine(root, "store"));
        var catalog = new BackupCatalog(store);
        byte[] a = RandomNumberGenerator.GetBytes(5000), b = RandomNumberGenerator.GetBytes(9000), b2 = RandomNumberGenerator.GetBytes(9000);
        byte[] c = RandomNumberGenerator.GetBytes(300), control = RandomNumberGenerator.GetBytes(8192);
        await BackupAsync(catalog, "full-1", null, new()
        {
            ["PG_VERSION"] = "15\n"u8.ToArray(), ["base/1/100"] = a, ["base/1/200"] = b, ["base/1/999"] = RandomNumberGenerator.GetBytes(100),
            ["global/pg_control"] = control, ["backup_label"] = "full's label"u8.ToArray(), ["pg_wal/000000010000000000000002"] = new byte[1024],
        });
        var incremental = await BackupAsync(catalog, "incr-1", "full-1", new()
        {
            ["base/1/200"] = b2, ["base/1/300"] = c, ["backup_label"] = "incremental's label"u8.ToArray(),
        });
        await store.PutJsonAsync("database/incr-1/files.json", new DatabaseFileList("incr-1", "full-1", DateTimeOffset.UtcNow,
            ["base", "base/1", "global", "pg_wal", "pg_wal/archive_status"],
            [
                Listed("PG_VERSION", 3, null, "full-1"), Listed("base/1/100", a.Length, null, "full-1"), Listed("base/1/200", b2.Length, b2, "incr-1"),
                Listed("base/1/300", c.Length, c, "incr-1"), Listed("global/pg_control", control.Length, null, "full-1"),
            ]));
        var chain = await DatabaseBackupChain.LoadAsync(catalog, incremental);
        Assert.Equal(["full-1", "incr-1"], chain.Backups.Select(m => m.BackupId));

        var data = Path.Combine(root, "data");
        var restored = await BaseBackupRestore.RestoreAsync(store, chain, data, owner: null);
        var expected = new Dictionary<string, byte[]>
        {
            ["PG_VERSION"] = "15\n"u8.ToArray(), ["base/1/100"] = a, ["base/1/200"] = b2, ["base/1/300"] = c, ["global/pg_control"] = control,
            ["backup_label"] = "incremental's label"u8.ToArray(),
        };
        Assert.Equal((6, 0), (restored.Files, restored.Kept));
        AssertHolds(data, expected);
        Assert.True(Directory.Exists(Path.Combine(data, "pg_wal/archive_status")));

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => BaseBackupRestore.RestoreAsync(store, chain, data, owner: null));
        Assert.Contains("--delta", refused.Message);

        // A stopped cluster that moved on: one file changed, one added, one folder added; the rest as restored.
        await File.WriteAllBytesAsync(Path.Combine(data, "base/1/300"), RandomNumberGenerator.GetBytes(300));
        await File.WriteAllBytesAsync(Path.Combine(data, "base/1/400"), [1, 2, 3]);
        Directory.CreateDirectory(Path.Combine(data, "base/7"));
        var delta = await BaseBackupRestore.RestoreAsync(store, chain, data, owner: null, delta: true);
        Assert.Equal((5, 1), (delta.Files, delta.Kept)); // base/1/200 matched its SHA-256 and stayed
        AssertHolds(data, expected);
        Assert.False(Directory.Exists(Path.Combine(data, "base/7")));
    }

    private static void AssertHolds(string data, Dictionary<string, byte[]> expected)
    {
        var files = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(data, f), File.ReadAllBytes);
        Assert.Equal(expected.Keys.Order(), files.Keys.Order());
        Assert.All(expected, e => Assert.True(e.Value.AsSpan().SequenceEqual(files[e.Key]), $"{e.Key} holds other bytes"));
    }

    private static DatabaseFile Listed(string path, long size, byte[]? bytes, string holder) =>
        new(path, size, DateTimeOffset.UtcNow, bytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(bytes)), holder);

    /// <summary>A backup's archive as a tar.zst in parts of 4 KiB, and its manifest.</summary>
    private static async Task<BackupManifest> BackupAsync(BackupCatalog catalog, string id, string? parent, Dictionary<string, byte[]> files)
    {
        var archive = new MemoryStream();
        await using (var zstd = new ZstdSharp.CompressionStream(archive, level: 3, leaveOpen: true))
        await using (var tar = new TarWriter(zstd, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, bytes) in files)
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
            }
        }

        archive.Position = 0;
        var key = $"database/{id}/archive.tar.zst";
        var parts = await PartedArchive.PutAsync(catalog.Store, key, archive, 4096, 2, CancellationToken.None);
        var info = new DatabaseBackupInfo("test", "0/2000028", "0/2000100", 1, DateTimeOffset.UtcNow, 1, 0, ParentId: parent,
            FilesKey: parent is null ? null : $"database/{id}/files.json");
        var manifest = new BackupManifest(id, BackupKind.Database, DateTimeOffset.UtcNow, key, parts.Sum(p => p.SizeBytes),
            ArchivePart.CombinedSha256(parts), "zstd", [], info, parts);
        await catalog.WriteManifestAsync(manifest);
        return manifest;
    }
}
