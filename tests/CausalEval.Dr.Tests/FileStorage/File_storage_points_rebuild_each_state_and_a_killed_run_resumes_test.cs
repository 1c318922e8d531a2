using System.Security.Cryptography;
using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.FileStorage;

/// <summary>
/// The file-storage backup against real S3 (s3rver): a bucket written, overwritten and deleted between three runs; each point
/// rebuilds exactly the objects and bytes the bucket held when it was taken, each run reads only what changed, and each content
/// is stored once. A run killed in the middle of a page goes on from its saved progress without storing a content twice or
/// missing an object. An Azure Blob container (Azurite) gives the same points, its listing continued page after page by the service's marker.
/// </summary>
public sealed class File_storage_points_rebuild_each_state_and_a_killed_run_resumes_test(S3rverFixture s3rver, AzuriteFixture azurite)
    : IClassFixture<S3rverFixture>, IClassFixture<AzuriteFixture>
{
    private readonly string bucket = ("f" + Guid.NewGuid().ToString("N"))[..20];

    [Fact]
    public async Task Three_points_hold_three_states_with_overwrites_and_deletes()
    {
        var source = Source();
        var store = new CountingStore(new S3ObjectStore(S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER"), bucket + "-backup"));
        var backups = new FileBackupStore(store);
        var live = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var shared = RandomNumberGenerator.GetBytes(900); // the same bytes under several keys: one content
        for (var i = 0; i < 120; i++)
        {
            await PutAsync(source, live, $"artifacts/e{i:0000}.json", i % 10 == 0 ? shared : RandomNumberGenerator.GetBytes(200 + i));
        }

        var first = await TakeAsync(source, backups, "p1");
        var states = new List<(FilePoint Point, Dictionary<string, byte[]> State)> { (first, new(live)) };
        Assert.Equal((120L, 120L, 0L, 0L, 109L), (first.Objects, first.Added, first.Changed, first.Deleted, first.CopiedObjects)); // 12 keys, 1 content

        // Overwrite 15 (5 of them with bytes the store holds already), delete 10, add 20.
        var puts = store.Puts.Count;
        for (var i = 21; i < 36; i++)
        {
            await PutAsync(source, live, $"artifacts/e{i:0000}.json", i < 26 ? shared : RandomNumberGenerator.GetBytes(300));
        }

        for (var i = 50; i < 60; i++)
        {
            await source.DeleteAsync($"artifacts/e{i:0000}.json");
            live.Remove($"artifacts/e{i:0000}.json");
        }

        for (var i = 120; i < 140; i++)
        {
            await PutAsync(source, live, $"artifacts/e{i:0000}.json", RandomNumberGenerator.GetBytes(64));
        }

        var second = await TakeAsync(source, backups, "p2");
        states.Add((second, new(live)));
        Assert.Equal((130L, 20L, 15L, 10L, 30L), (second.Objects, second.Added, second.Changed, second.Deleted, second.CopiedObjects));
        Assert.Equal(30, store.Puts.Skip(puts).Count(k => k.Contains("/content/", StringComparison.Ordinal))); // only new bytes went up

        // A key deleted, then written again; everything else untouched: one change, one tombstone.
        await source.DeleteAsync("artifacts/e0001.json");
        live.Remove("artifacts/e0001.json");
        await PutAsync(source, live, "artifacts/e0055.json", RandomNumberGenerator.GetBytes(10));
        var third = await TakeAsync(source, backups, "p3");
        states.Add((third, new(live)));
        Assert.Equal((130L, 1L, 0L, 1L), (third.Objects, third.Added, third.Changed, third.Deleted));

        foreach (var (point, state) in states)
        {
            Assert.Equal(Hashes(state), await RebuildAsync(backups, point));
        }

        Assert.Equal(["p1", "p2", "p3"], (await backups.ListPointsAsync()).Select(p => p.Id));
        Assert.All(store.Puts.Where(k => k.Contains("/content/", StringComparison.Ordinal)).GroupBy(k => k), g => Assert.Single(g));
    }

    [Fact]
    public async Task A_run_killed_mid_page_resumes_without_copying_twice_or_missing_an_object()
    {
        var source = Source();
        var store = new CountingStore(new S3ObjectStore(S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER"), bucket + "-backup"));
        var backups = new FileBackupStore(store);
        var live = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < 95; i++)
        {
            await PutAsync(source, live, $"results/r{i:000}.bin", RandomNumberGenerator.GetBytes(100 + i));
        }

        // The process dies on the 70th read: two pages of 30 were saved, the third was in flight.
        var dying = new DyingSource(source, readsBeforeDeath: 70);
        var scan = new FileStorageScan(dying, backups, pageSize: 30, parallelReads: 1);
        var progress = await scan.StartAsync("killed", "primary", DateTimeOffset.UtcNow);
        await Assert.ThrowsAsync<IOException>(() => scan.RunBatchAsync(progress, 100, DateTimeOffset.MaxValue, () => DateTimeOffset.UtcNow));

        var again = new FileStorageScan(source, backups, pageSize: 30);
        var resumed = await again.StartAsync("killed", "primary", DateTimeOffset.UtcNow);
        Assert.Equal((2, 60L), (resumed.Pages, resumed.Objects));
        var (listed, _) = await again.RunBatchAsync(resumed, 100, DateTimeOffset.MaxValue, () => DateTimeOffset.UtcNow);
        var point = await again.SealAsync(listed, DateTimeOffset.UtcNow);

        Assert.Equal((95L, 95L), (point.Objects, point.Added));
        Assert.Equal(Hashes(live), await RebuildAsync(backups, point));
        Assert.All(store.Puts.Where(k => k.Contains("/content/", StringComparison.Ordinal)).GroupBy(k => k), g => Assert.Single(g));
        Assert.Equal(95, store.Puts.Count(k => k.Contains("/content/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_azure_blob_container_gives_points_that_rebuild_its_states()
    {
        var source = new AzureBlobFileStore(new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, bucket));
        var folder = RepoPaths.NewTempDirectory("blob-points");
        try
        {
            await BlobPointsAsync(source, new FileBackupStore(new LocalDirectoryObjectStore(folder)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task BlobPointsAsync(AzureBlobFileStore source, FileBackupStore backups)
    {
        var live = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < 60; i++)
        {
            await PutAsync(source, live, $"datasets/d{i:000}.csv", RandomNumberGenerator.GetBytes(50 + i));
        }

        var first = await TakeAsync(source, backups, "b1"); // pages of 25: the listing goes on by the service's marker
        var before = new Dictionary<string, byte[]>(live);
        for (var i = 0; i < 5; i++)
        {
            await PutAsync(source, live, $"datasets/d{i:000}.csv", RandomNumberGenerator.GetBytes(70));
        }

        for (var i = 50; i < 53; i++)
        {
            await source.DeleteAsync($"datasets/d{i:000}.csv");
            live.Remove($"datasets/d{i:000}.csv");
        }

        var second = await TakeAsync(source, backups, "b2");
        Assert.Equal((60L, 57L, 5L, 3L), (first.Objects, second.Objects, second.Changed, second.Deleted));
        Assert.Equal(Hashes(before), await RebuildAsync(backups, first));
        Assert.Equal(Hashes(live), await RebuildAsync(backups, second));
    }

    /// <summary>A failover's catch-up writes eight at a time into a target bucket that may not exist yet: each put that finds no
    /// bucket makes it, and one that loses that race to a sibling still lands (once, a failed catch-up left partial objects).</summary>
    [Fact]
    public async Task Parallel_puts_into_a_bucket_not_made_yet_all_land()
    {
        var target = new S3FileStore(S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER"), bucket + "-new");
        await Parallel.ForEachAsync(Enumerable.Range(0, 32), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => await target.PutAsync($"artifacts/p{i:00}.json", new MemoryStream(new byte[64 + i]), ct));
        var listed = new List<FileObject>();
        await foreach (var o in target.ListAllAsync())
        {
            listed.Add(o);
        }

        Assert.Equal(Enumerable.Range(0, 32).Select(i => ($"artifacts/p{i:00}.json", 64L + i)), listed.Select(o => (o.Key, o.Size)));
    }

    private S3FileStore Source() => new(S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER"), bucket);

    private static async Task PutAsync(IFileStore source, Dictionary<string, byte[]> live, string key, byte[] bytes)
    {
        using var body = new MemoryStream(bytes);
        await source.PutAsync(key, body);
        live[key] = bytes;
    }

    private static async Task<FilePoint> TakeAsync(IFileStore source, FileBackupStore backups, string id)
    {
        var scan = new FileStorageScan(source, backups, pageSize: 25);
        var progress = await scan.StartAsync(id, "primary", DateTimeOffset.UtcNow);
        FileScanProgress listed;
        do
        {
            (listed, _) = await scan.RunBatchAsync(progress, 2, DateTimeOffset.MaxValue, () => DateTimeOffset.UtcNow);
            progress = listed;
        }
        while (!listed.Listed);

        return await scan.SealAsync(listed, DateTimeOffset.UtcNow);
    }

    private static SortedDictionary<string, string> Hashes(Dictionary<string, byte[]> state) =>
        new(state.ToDictionary(s => s.Key, s => Convert.ToHexStringLower(SHA256.HashData(s.Value))), StringComparer.Ordinal);

    /// <summary>The point's state rebuilt from the backup store alone: every content read back checked.</summary>
    private static async Task<SortedDictionary<string, string>> RebuildAsync(FileBackupStore backups, FilePoint point)
    {
        var rebuilt = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var entry in backups.StateAsync(point))
        {
            using var bytes = new MemoryStream();
            await backups.ReadContentAsync(entry.Sha256, bytes);
            rebuilt[entry.Key] = Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray()));
        }

        return rebuilt;
    }

    /// <summary>A source whose process dies at its Nth read (the read throws, as a killed worker's would stop).</summary>
    private sealed class DyingSource(IFileStore inner, int readsBeforeDeath) : IFileStore
    {
        private int reads;

        public string Location => inner.Location;

        public Task<FileListingPage> ListPageAsync(string prefix, string? after, int max, CancellationToken cancellationToken = default) =>
            inner.ListPageAsync(prefix, after, max, cancellationToken);

        public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref reads) >= readsBeforeDeath ? throw new IOException("killed") : inner.OpenReadAsync(key, cancellationToken);

        public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default) => inner.PutAsync(key, content, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }

    /// <summary>The backup store, counting what is put into it (by key).</summary>
    private sealed class CountingStore(IObjectStore inner) : IObjectStore
    {
        public List<string> Puts { get; } = [];

        public string Location => inner.Location;

        public Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
        {
            lock (Puts)
            {
                Puts.Add(key);
            }

            return inner.PutAsync(key, content, cancellationToken);
        }

        public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

        public Task ReadVerifiedAsync(string key, Stream destination, string? expectedSha256, CancellationToken cancellationToken = default) =>
            inner.ReadVerifiedAsync(key, destination, expectedSha256, cancellationToken);

        public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string prefix, CancellationToken cancellationToken = default) =>
            inner.ListUnfinishedAsync(prefix, cancellationToken);

        public Task RemoveUnfinishedAsync(UnfinishedUpload upload, CancellationToken cancellationToken = default) =>
            inner.RemoveUnfinishedAsync(upload, cancellationToken);
    }
}
