using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.DatabaseBackup.Incremental;

/// <summary>
/// On a real PostgreSQL: a table of a few thousand pages, a first backup, then two incrementals after updates to a few rows (and,
/// before the second, rows appended and a smaller table rewritten entirely). The big table is stored by page each time (its deltas
/// a small share of its size, named in order on its list entry), the smaller one whole; the chain restored and started with the
/// archived WAL holds exactly the rows of the last backup, read through the table and through its index. The first member's frame
/// of the smaller table, which the second replaced, is read past, not decompressed.
/// </summary>
public sealed class Relations_changed_in_a_few_pages_are_stored_by_page_and_restore_exactly_test : IAsyncLifetime
{
    private PostgresCluster cluster = null!;
    private string wal = null!;

    public async Task InitializeAsync()
    {
        var root = RepoPaths.NewTempDirectory("page-delta-wal");
        File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111); // the server (another user) archives into it
        wal = root;
        cluster = await PostgresCluster.StartAsync("page-delta", archiveCommand: $"cp %p {wal}/%f");
        await cluster.ExecuteAsync("CREATE TABLE big (id int PRIMARY KEY, v int NOT NULL, pad text NOT NULL) WITH (fillfactor = 90); " +
            "INSERT INTO big SELECT g, 0, repeat('x', 200) FROM generate_series(1, 60000) g; " +
            "CREATE TABLE small (id int PRIMARY KEY, v int NOT NULL); INSERT INTO small SELECT g, 0 FROM generate_series(1, 40000) g");
        await cluster.ExecuteAsync("VACUUM ANALYZE big");
        await cluster.ExecuteAsync("VACUUM ANALYZE small");
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(wal, recursive: true);
    }

    [Fact]
    public async Task Two_deltas_of_a_big_table_restore_every_row_and_index_entry()
    {
        var store = new LocalDirectoryObjectStore(cluster.Store);
        var catalog = new BackupCatalog(store);
        var big = await RelationPathAsync("big");
        var smallPath = await RelationPathAsync("small");
        var bigSize = new FileInfo(Path.Combine(cluster.DataDirectory, big)).Length;

        var first = await TakeAsync(catalog, "first", parent: null);
        await cluster.ExecuteAsync("UPDATE big SET v = v + 1 WHERE id % 200 = 0");
        var one = await TakeAsync(catalog, "incr-1", first.Manifest);
        var oneList = await DatabaseBackupChain.ReadFilesAsync(store, one.Manifest);
        Assert.Equal(["incr-1"], oneList.Files.Single(f => f.Path == big).Patches);
        Assert.Null(oneList.Files.Single(f => f.Path == big).Sha256);
        Assert.True(one.Taken.StoredBytes < bigSize / 2, $"stored {one.Taken.StoredBytes} bytes for a change to 300 rows of a {bigSize}-byte table");

        await cluster.ExecuteAsync("UPDATE big SET v = v + 10 WHERE id % 300 = 7; INSERT INTO big SELECT g, 5, 'new' FROM generate_series(60001, 61000) g; " +
            "UPDATE small SET v = v + 1");
        var two = await TakeAsync(catalog, "incr-2", one.Manifest);
        var twoList = await DatabaseBackupChain.ReadFilesAsync(store, two.Manifest);
        var bigEntry = twoList.Files.Single(f => f.Path == big);
        Assert.Equal(["incr-1", "incr-2"], bigEntry.Patches);
        Assert.Equal("first", bigEntry.StoredIn);
        Assert.True(bigEntry.Size > bigSize, "the appended rows grew the file");
        var small = twoList.Files.Single(f => f.Path == smallPath);
        Assert.Equal(("incr-2", null), (small.StoredIn, small.Patches)); // every page changed: whole
        Assert.True(two.Taken.PatchedFiles >= 1);
        var expected = await ContentAsync(cluster.ConnectionString);

        var restored = Path.Combine(cluster.Root, "pg", "restored");
        cluster.StopOnDispose(restored);
        var chain = await DatabaseBackupChain.LoadAsync(catalog, two.Manifest);
        var written = await BaseBackupRestore.RestoreAsync(store, chain, restored, owner: "postgres");
        var replaced = first.Manifest.Frames!.Single(f => f.Entries.SequenceEqual([smallPath])); // a file over a frame's size has its own
        Assert.True(written.PassedOverBytes >= replaced.Length, $"{written.PassedOverBytes} bytes passed over, the replaced frame is {replaced.Length}");
        await File.WriteAllTextAsync(Path.Combine(restored, "recovery.signal"), "");
        var port = await Ports.OnFreePortAsync("the restored cluster", ["127.0.0.1"], async port =>
        {
            await File.AppendAllTextAsync(Path.Combine(restored, "postgresql.auto.conf"),
                $"listen_addresses = '127.0.0.1'\nport = {port}\narchive_mode = off\nrestore_command = 'cp {wal}/%f %p'\n");
            await LabPostgres.StartAsync(restored);
            return port;
        });
        var connection = LabPostgres.ConnectionString("127.0.0.1", port);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((bool)(await Sql.ScalarAsync(connection, "SELECT pg_is_in_recovery()"))!)
        {
            Assert.True(DateTime.UtcNow < deadline, "the restored cluster is still recovering after 60 s");
            await Task.Delay(200);
        }

        Assert.Equal(expected, await ContentAsync(connection));
    }

    /// <summary>A backup by the agent's writer: against <paramref name="parent"/>'s list, or (none) every file whole, as a chain's first member.</summary>
    private async Task<(BackupManifest Manifest, IncrementalBackupResult Taken)> TakeAsync(BackupCatalog catalog, string id, BackupManifest? parent)
    {
        var parentList = parent is null
            ? new DatabaseFileList("none", null, DateTimeOffset.UtcNow, [], [])
            : parent.Database!.Incremental ? await DatabaseBackupChain.ReadFilesAsync(catalog.Store, parent) : await FirstListAsync(catalog, parent);
        var archiveKey = DatabaseBackupChain.ArchiveKey(id);
        var taken = await IncrementalBackupWriter.TakeAsync(cluster.DataDirectory, cluster.ConnectionString, id, parentList,
            parent?.Database!.StartLsn ?? "0/0", catalog.Store, archiveKey, 1 << 20, 2, _ => { }, CancellationToken.None);
        var filesKey = DatabaseBackupChain.FilesKey(id);
        await catalog.Store.PutJsonAsync(filesKey, taken.Files with { BackupId = id, ParentId = parent?.BackupId });
        var info = new DatabaseBackupInfo("test", taken.StartLsn, taken.StopLsn, taken.Timeline, DateTimeOffset.UtcNow, 1, taken.StoredBytes,
            ParentId: parent?.BackupId, FilesKey: filesKey);
        var manifest = new BackupManifest(id, BackupKind.Database, DateTimeOffset.UtcNow, archiveKey, taken.ArchiveSizeBytes,
            ArchivePart.CombinedSha256(taken.Parts), "zstd", [], info, taken.Parts, taken.Frames);
        await catalog.WriteManifestAsync(manifest);
        return (manifest, taken);
    }

    /// <summary>The first member's list, as its writer made it (a full backup's would come from its backup_manifest).</summary>
    private static Task<DatabaseFileList> FirstListAsync(BackupCatalog catalog, BackupManifest first) =>
        catalog.Store.ReadJsonAsync<DatabaseFileList>(DatabaseBackupChain.FilesKey(first.BackupId));

    private async Task<string> RelationPathAsync(string table) =>
        (string)(await Sql.ScalarAsync(cluster.ConnectionString, $"SELECT pg_relation_filepath('{table}')"))!;

    /// <summary>Every row of both tables, read once by the heap and once by the primary-key index, as one digest.</summary>
    private static async Task<string> ContentAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var parts = new List<string>();
        foreach (var scan in new[] { "SET enable_indexscan = off; SET enable_bitmapscan = off", "SET enable_seqscan = off; SET enable_bitmapscan = off" })
        {
            await using var command = new NpgsqlCommand($"{scan}; SELECT count(*) || ':' || md5(string_agg(id || '=' || v || pad, ',' ORDER BY id)) FROM big " +
                "WHERE id > 0; SELECT count(*) || ':' || sum(v) FROM small WHERE id > 0", connection);
            await using var reader = await command.ExecuteReaderAsync();
            do
            {
                while (await reader.ReadAsync())
                {
                    parts.Add(reader.GetString(0));
                }
            }
            while (await reader.NextResultAsync());
        }

        Assert.Equal(parts[0], parts[2]); // the heap and the index agree
        return string.Join(" ", parts);
    }
}
