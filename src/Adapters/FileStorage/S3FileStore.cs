using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>A bucket of the framework's files on S3 (s3rver in the lab). The continuation is the last key listed (the marker):
/// unlike S3's own continuation tokens it never expires, so a run resumed hours later goes on where it stopped.</summary>
public sealed class S3FileStore(IAmazonS3 s3, string bucket) : IFileStore
{
    public string Location => $"s3://{bucket}";

    public async Task<FileListingPage> ListPageAsync(string prefix, string? after, int max, CancellationToken cancellationToken = default)
    {
        // ListObjects (v1) with a marker: every S3 answers it the same way (s3rver fails v2's start-after).
        ListObjectsResponse page;
        try
        {
            page = await s3.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, Prefix = prefix, Marker = after, MaxKeys = max }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return new FileListingPage([], null);
        }

        var objects = (page.S3Objects ?? []).Select(o => new FileObject(o.Key, o.Size ?? 0,
            new DateTimeOffset(DateTime.SpecifyKind(o.LastModified ?? DateTime.MinValue, DateTimeKind.Utc)).ToUniversalTime(), o.ETag?.Trim('"') ?? ""))
            .ToList();
        return new FileListingPage(objects, page.IsTruncated == true && objects.Count > 0 ? objects[^1].Key : null);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
            return new OwnedStream(response.ResponseStream, response, e => e is Amazon.Runtime.AmazonClientException
                && e.Message.Contains("hash", StringComparison.Ordinal) ? new UnreadableObjectException(key, Location, e) : null);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        try
        {
            await PutOnceAsync(key, content, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket" && content.CanSeek)
        {
            try
            {
                await s3.PutBucketAsync(bucket, cancellationToken);
            }
            catch (AmazonS3Exception exists) when (exists.ErrorCode is "BucketAlreadyExists" or "BucketAlreadyOwnedByYou")
            {
                // A parallel put created it first.
            }

            content.Position = 0;
            await PutOnceAsync(key, content, cancellationToken);
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await s3.DeleteObjectAsync(bucket, key, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    // aws-chunked encoding off: s3rver stores such bodies as they came, chunk headers included.
    private Task PutOnceAsync(string key, Stream content, CancellationToken cancellationToken) =>
        s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = content, AutoCloseStream = false, UseChunkEncoding = false },
            cancellationToken);
}

/// <summary>A response stream that disposes its response with it, and names a read that fails the SDK's checksum.</summary>
internal sealed class OwnedStream(Stream inner, IDisposable owner, Func<Exception, Exception?> translate) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (Exception e) when (translate(e) is { } named)
        {
            throw named;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (translate(e) is { } named)
        {
            throw named;
        }
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }

        base.Dispose(disposing);
    }
}
