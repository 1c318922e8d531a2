using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Storage;

/// <summary>
/// Objects that take many parts, streamed against s3rver through a proxy that behaves as real S3 does at
/// scale: it refuses copies (S3 cannot copy an object over 5 GiB, and every base backup may be one) and can
/// fail part N. Nothing may be left behind by a failed upload, visible or hidden.
/// </summary>
public sealed class S3_large_objects_test(S3rverFixture s3rver) : IClassFixture<S3rverFixture>
{
    private const int PartSize = 1 << 20;
    private readonly string bucket = ("l" + Guid.NewGuid().ToString("N"))[..20];

    [Fact]
    public async Task A_many_part_object_streams_up_and_back_without_any_copy()
    {
        using var proxy = new S3FaultProxy(s3rver.ServiceUrl, S3FaultProxy.RefuseCopies);
        var store = new S3ObjectStore(S3ObjectStore.CreateClient(proxy.ServiceUrl, "S3RVER", "S3RVER"), bucket, PartSize);
        var bytes = RandomNumberGenerator.GetBytes(40 * PartSize + 123);

        var stored = await store.PutAsync("big/base.tar.zst", new OneWayStream(bytes));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.DoesNotContain(proxy.Requests, r => r.IsCopy);
        Assert.Equal((bytes.LongLength, stored.Sha256),
            ((await store.GetInfoAsync("big/base.tar.zst"))!.SizeBytes, (await store.GetInfoAsync("big/base.tar.zst"))!.Sha256));
        using var back = new MemoryStream();
        await ((IObjectStore)store).ReadVerifiedAsync("big/base.tar.zst", back);
        Assert.True(bytes.AsSpan().SequenceEqual(back.ToArray()), "the object did not round-trip byte for byte");
        Assert.Equal(["big/base.tar.zst"], (await store.ListAsync("big/")).Select(o => o.Key));
    }

    [Fact]
    public async Task A_failed_part_leaves_no_upload_and_no_object_behind()
    {
        // The fifth part's PUT fails the way S3 does under load (500 InternalError).
        using var proxy = new S3FaultProxy(s3rver.ServiceUrl, r =>
            r.Method == "PUT"
                && (r.PathAndQuery.Contains("partNumber=5&", StringComparison.Ordinal) || r.PathAndQuery.Contains("/00005", StringComparison.Ordinal))
                ? (500, "InternalError") : null);
        var store = new S3ObjectStore(S3ObjectStore.CreateClient(proxy.ServiceUrl, "S3RVER", "S3RVER"), bucket, PartSize);

        await Assert.ThrowsAnyAsync<Exception>(() => store.PutAsync("failed/base.tar.zst", new OneWayStream(RandomNumberGenerator.GetBytes(12 * PartSize))));

        using var client = S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER");
        var left = (await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? [];
        Assert.Empty(left.Select(o => o.Key));
        var hidden = Directory.EnumerateFiles(Path.Combine(s3rver.DataDirectory, bucket), "*", SearchOption.AllDirectories)
            .Where(f => f.Contains("_S3rver_uploads", StringComparison.Ordinal)).ToList();
        Assert.True(hidden.Count == 0, $"incomplete multipart upload left in s3rver: {string.Join(", ", hidden.Take(3))}");
    }

    [Fact]
    public async Task Parts_of_an_unfinished_upload_are_listed_and_removed_and_committed_ones_never()
    {
        using var client = S3ObjectStore.CreateClient(s3rver.ServiceUrl, "S3RVER", "S3RVER");
        var store = new S3ObjectStore(client, bucket, PartSize);
        var bytes = RandomNumberGenerator.GetBytes(3 * PartSize);
        await store.PutAsync("db/1/base.tar.zst", new MemoryStream(bytes));
        // What a kill -9 between two parts leaves: parts under a set no index names.
        foreach (var key in new[] { "db/1/base.tar.zst~parts/0123abcd/00001", "db/2/base.tar.zst~parts/4567ef01/00001" })
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(new byte[100]),
                UseChunkEncoding = false });
        }

        var unfinished = await store.ListUnfinishedAsync("db/");
        Assert.Equal(["db/1/base.tar.zst", "db/2/base.tar.zst"], unfinished.Select(u => u.Key).Order());
        foreach (var upload in unfinished)
        {
            await store.RemoveUnfinishedAsync(upload);
        }

        Assert.Empty(await store.ListUnfinishedAsync("db/"));
        using var back = new MemoryStream();
        await ((IObjectStore)store).ReadVerifiedAsync("db/1/base.tar.zst", back);
        Assert.True(bytes.AsSpan().SequenceEqual(back.ToArray()));
        await store.DeleteAsync("db/1/base.tar.zst");
        Assert.Empty((await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "db/" })).S3Objects ?? []);
    }

    /// <summary>A stream that can only be read forward, once, like pg_basebackup's output.</summary>
    private sealed class OneWayStream(byte[] bytes) : Stream
    {
        private int position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, bytes.Length - position);
            Array.Copy(bytes, position, buffer, offset, n);
            position += n;
            return n;
        }
    }
}
