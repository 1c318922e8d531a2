using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Core.Errors;
using System.Security.Cryptography;
using Amazon.S3;
using Azure.Storage.Blobs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Storage;

/// <summary>
/// The same contract for the three stores, each against the real thing: Azurite, s3rver, a directory.
/// Corruption is made behind the store's back, so only the recorded checksum can catch it.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Object_store_contract_test(AzuriteFixture azurite, S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    public static TheoryData<string> Stores => new() { "azure-blob", "s3", "local" };

    private readonly string localRoot = RepoPaths.NewTempDirectory("local-store");
    private readonly string container = ("c" + Guid.NewGuid().ToString("N"))[..20];

    private IObjectStore Create(string kind) => kind switch
    {
        "azure-blob" => new AzureBlobObjectStore(new BlobContainerClient(azurite.ConnectionString, container)),
        // A 5 MiB part size (S3's minimum) so the 12 MiB object below goes up as a multipart upload.
        "s3" => new S3ObjectStore(S3Client(), container, partSizeBytes: 5 * 1024 * 1024),
        "local" => new LocalDirectoryObjectStore(localRoot),
        _ => throw new ArgumentException(kind),
    };

    private AmazonS3Client S3Client() => S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER");

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Objects_round_trip_byte_for_byte_with_their_checksum(string kind)
    {
        var store = Create(kind);
        foreach (var size in new[] { 0, 1, 300_000, 12 * 1024 * 1024 + 17 })
        {
            var bytes = RandomNumberGenerator.GetBytes(size);
            var key = $"round-trip/{size}.bin";
            var stored = await store.PutAsync(key, new MemoryStream(bytes));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
            Assert.Equal(size, stored.SizeBytes);

            var info = await store.GetInfoAsync(key);
            Assert.Equal(stored.Sha256, info!.Sha256);
            Assert.Equal(size, info.SizeBytes);

            using var back = new MemoryStream();
            await store.ReadVerifiedAsync(key, back);
            Assert.True(bytes.AsSpan().SequenceEqual(back.ToArray()), $"{kind}: {size} bytes did not round-trip");
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_corrupted_object_is_refused_on_read(string kind)
    {
        var store = Create(kind);
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        await store.PutAsync("corrupt/me.bin", new MemoryStream(bytes));
        bytes[50_000] ^= 0x01;
        await OverwriteBehindTheStoresBackAsync(kind, "corrupt/me.bin", bytes);

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => store.ReadVerifiedAsync("corrupt/me.bin", Stream.Null));
    }

    /// <summary>What a manifest recorded must be what the store recorded: a replaced object is refused before a byte is copied.</summary>
    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_read_expecting_another_checksum_copies_nothing(string kind)
    {
        var store = Create(kind);
        var stored = await store.PutAsync("expected/me.bin",
            new MemoryStream(RandomNumberGenerator.GetBytes(6 * 1024 * 1024))); // S3: in parts, read through its index
        var other = Convert.ToHexStringLower(SHA256.HashData("another object"u8));

        var destination = new MemoryStream();
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => store.ReadVerifiedAsync("expected/me.bin", destination, other));

        Assert.Equal(0, destination.Length);
        Assert.Contains(other, error.Message);
        await store.ReadVerifiedAsync("expected/me.bin", destination, stored.Sha256); // the right expectation reads
        Assert.Equal(6 * 1024 * 1024, destination.Length);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Listing_deleting_and_missing_keys_behave(string kind)
    {
        var store = Create(kind);
        await store.PutAsync("list/a/1", new MemoryStream([1]));
        await store.PutAsync("list/a/2", new MemoryStream([2]));
        await store.PutAsync("list/b/1", new MemoryStream([3]));

        Assert.Equal(["list/a/1", "list/a/2"], (await store.ListAsync("list/a/")).Select(o => o.Key).Order());
        await store.DeleteAsync("list/a/1");
        await store.DeleteAsync("list/a/1"); // twice: activities run at least once
        Assert.Equal(["list/a/2"], (await store.ListAsync("list/a/")).Select(o => o.Key));
        Assert.Null(await store.GetInfoAsync("list/nothing"));
    }

    [Fact]
    public async Task Local_leftovers_of_killed_writes_are_listed_and_removed_and_live_objects_never()
    {
        var store = (LocalDirectoryObjectStore)Create("local");
        await store.PutAsync("db/1/live.bin", new MemoryStream([1, 2, 3]));
        await store.PutAsync("db/1/live.bin", new MemoryStream([4, 5, 6])); // a rewrite leaves nothing behind
        Assert.Empty(await store.ListUnfinishedAsync("db/"));

        // What kill -9 leaves: a temporary data file, and a data file whose link was never switched.
        Directory.CreateDirectory(Path.Combine(localRoot, ".data/db/2"));
        File.WriteAllBytes(Path.Combine(localRoot, $".data/db/1/live.bin.{Guid.NewGuid():N}.partial"), [9]);
        File.WriteAllBytes(Path.Combine(localRoot, $".data/db/2/base.tar.zst.{new string('a', 64)}.{Guid.NewGuid():N}"), [9, 9]);
        File.WriteAllBytes(Path.Combine(localRoot, $"db/1/old-layout.bin.{Guid.NewGuid():N}.partial"), [7]);

        var unfinished = await store.ListUnfinishedAsync("db/");
        Assert.Equal(["db/1/live.bin", "db/1/old-layout.bin", "db/2/base.tar.zst"], unfinished.Select(u => u.Key).Order());
        Assert.Empty(await store.ListUnfinishedAsync("wal/"));
        foreach (var upload in unfinished)
        {
            await store.RemoveUnfinishedAsync(upload);
        }

        Assert.Empty(await store.ListUnfinishedAsync(""));
        Assert.Equal(new byte[] { 4, 5, 6 }, await store.ReadBytesAsync("db/1/live.bin"));
        Assert.Equal(["db/1/live.bin"], (await store.ListAsync("")).Select(o => o.Key));
        Assert.Equal(3, (await store.GetInfoAsync("db/1/live.bin"))!.SizeBytes);
    }

    [Fact]
    public async Task A_local_store_written_before_the_link_layout_still_reads()
    {
        Directory.CreateDirectory(Path.Combine(localRoot, "old/.."));
        Directory.CreateDirectory(Path.Combine(localRoot, ".sha256/old"));
        Directory.CreateDirectory(Path.Combine(localRoot, "old"));
        byte[] bytes = [1, 2, 3, 4];
        File.WriteAllBytes(Path.Combine(localRoot, "old/a.bin"), bytes);
        File.WriteAllText(Path.Combine(localRoot, ".sha256/old/a.bin"), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var store = Create("local");

        Assert.Equal(bytes, await store.ReadBytesAsync("old/a.bin"));
        await store.PutAsync("old/a.bin", new MemoryStream([5]));
        Assert.Equal(new byte[] { 5 }, await store.ReadBytesAsync("old/a.bin"));
        Assert.False(File.Exists(Path.Combine(localRoot, ".sha256/old/a.bin")));
        await store.DeleteAsync("old/a.bin");
        Assert.Null(await store.GetInfoAsync("old/a.bin"));
    }

    [Fact]
    public void Unknown_store_kind_and_missing_settings_are_named()
    {
        var unknown = Assert.Throws<DrConfigurationException>(() => new StorageOptions { Kind = "ftp" }.CreateStore());
        Assert.Contains("Storage:Kind 'ftp' is not a store", unknown.Message);
        var missing = Assert.Throws<DrConfigurationException>(() => new StorageOptions { Kind = "s3" }.CreateStore());
        Assert.Contains("Storage:S3:ServiceUrl is not set", missing.Message);
    }

    private async Task OverwriteBehindTheStoresBackAsync(string kind, string key, byte[] bytes)
    {
        switch (kind)
        {
            case "azure-blob":
                var blob = new BlobContainerClient(azurite.ConnectionString, container).GetBlobClient(key);
                var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
                await blob.UploadAsync(new BinaryData(bytes), overwrite: true);
                await blob.SetMetadataAsync(metadata);
                break;
            case "s3":
                using (var client = S3Client())
                {
                    var head = await client.GetObjectMetadataAsync(container, key);
                    var put = new Amazon.S3.Model.PutObjectRequest { BucketName = container, Key = key, InputStream = new MemoryStream(bytes),
                        UseChunkEncoding = false };
                    put.Metadata.Add("x-amz-meta-sha256", head.Metadata["x-amz-meta-sha256"]);
                    await client.PutObjectAsync(put);
                }

                break;
            case "local":
                await File.WriteAllBytesAsync(Path.Combine(localRoot, key), bytes);
                break;
        }
    }
}
