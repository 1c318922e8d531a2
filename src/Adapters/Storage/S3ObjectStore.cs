using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// S3 (s3rver locally). The SHA-256 is kept as user metadata (x-amz-meta-sha256). Objects up to one part
/// go up in a single PUT; larger ones stream as a multipart upload, up to four parts in flight (and in
/// memory) at once, and get their checksum by a metadata-replacing self-copy once the hash is known.
/// Every request disables aws-chunked encoding: s3rver stores such bodies as-is, silently corrupted.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 s3, string bucket, int partSizeBytes = 8 * 1024 * 1024) : IObjectStore
{
    private const string ShaKey = "x-amz-meta-sha256";
    private const int ParallelParts = 4;
    private bool bucketReady;

    public string Location => $"s3://{bucket}";

    /// <summary>A client set up the way s3rver (and any S3 that predates flexible checksums) needs.</summary>
    public static AmazonS3Client CreateClient(string serviceUrl, string accessKeyId, string secretAccessKey, string region = "us-east-1")
    {
        var client = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(accessKeyId, secretAccessKey), new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = region,
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

        // The SDK percent-encodes the '/' between bucket and key in x-amz-copy-source; S3 accepts a plain
        // '/', s3rver only that. Rewritten before signing (the header is signed).
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is Amazon.Runtime.WebServiceRequestEventArgs request && request.Headers.TryGetValue("x-amz-copy-source", out var source))
            {
                request.Headers["x-amz-copy-source"] = source.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
            }
        };
        return client;
    }

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        await EnsureBucketAsync(cancellationToken);
        using var hashing = new HashingStream(content);
        var first = await ReadPartAsync(hashing, cancellationToken);
        if (first.Length < partSizeBytes)
        {
            var sha = hashing.Sha256Hex();
            var put = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = first, UseChunkEncoding = false, AutoCloseStream = true };
            put.Metadata.Add(ShaKey, sha);
            await s3.PutObjectAsync(put, cancellationToken);
            return new StoredObject(key, hashing.BytesRead, sha, DateTimeOffset.UtcNow);
        }

        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, cancellationToken);
        var inFlight = new List<Task<PartETag>>();
        try
        {
            // Parts go up concurrently (at most ParallelParts in memory) while the next ones are read and hashed.
            for (var (part, number) = (first, 1); part.Length > 0; part = await ReadPartAsync(hashing, cancellationToken), number++)
            {
                if (inFlight.FirstOrDefault(t => t.IsFaulted) is { } failed)
                {
                    await failed; // stop reading at the first failed part
                }

                if (inFlight.Count(t => !t.IsCompleted) >= ParallelParts)
                {
                    await Task.WhenAny(inFlight.Where(t => !t.IsCompleted));
                }

                inFlight.Add(UploadPartAsync(key, upload.UploadId, number, part, cancellationToken));
            }

            var etags = (await Task.WhenAll(inFlight)).OrderBy(e => e.PartNumber).ToList();
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = etags }, cancellationToken);
        }
        catch
        {
            await Task.WhenAll(inFlight.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            await s3.AbortMultipartUploadAsync(bucket, key, upload.UploadId, CancellationToken.None);
            throw;
        }

        var digest = hashing.Sha256Hex();
        var copy = new CopyObjectRequest
        {
            SourceBucket = bucket, SourceKey = key, DestinationBucket = bucket, DestinationKey = key,
            MetadataDirective = S3MetadataDirective.REPLACE,
        };
        copy.Metadata.Add(ShaKey, digest);
        await s3.CopyObjectAsync(copy, cancellationToken);
        return new StoredObject(key, hashing.BytesRead, digest, DateTimeOffset.UtcNow);
    }

    public async Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            return new StoredObject(key, head.ContentLength, head.Metadata[ShaKey], head.LastModified);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task ReadVerifiedAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        using var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
        await VerifiedCopy.CopyAsync(key, response.ResponseStream, destination, response.Metadata[ShaKey], cancellationToken);
    }

    /// <summary>S3 listings carry no user metadata: <see cref="StoredObject.Sha256"/> is null here (GetInfoAsync has it).</summary>
    public async Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await EnsureBucketAsync(cancellationToken);
        var result = new List<StoredObject>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            result.AddRange((page.S3Objects ?? []).Select(o => new StoredObject(o.Key, o.Size ?? 0, null, o.LastModified)));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return result;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await s3.DeleteObjectAsync(bucket, key, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            // No bucket, no object: already deleted.
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string uploadId, int number, MemoryStream part, CancellationToken cancellationToken)
    {
        await using (part)
        {
            var uploaded = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = key, UploadId = uploadId, PartNumber = number,
                InputStream = part, PartSize = part.Length, UseChunkEncoding = false,
            }, cancellationToken);
            return new PartETag(number, uploaded.ETag);
        }
    }

    private async Task<MemoryStream> ReadPartAsync(Stream source, CancellationToken cancellationToken)
    {
        var part = new MemoryStream();
        var buffer = new byte[128 * 1024];
        int read;
        while (part.Length < partSizeBytes && (read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, partSizeBytes - part.Length)), cancellationToken)) > 0)
        {
            part.Write(buffer, 0, read);
        }

        part.Position = 0;
        return part;
    }

    private async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (bucketReady)
        {
            return;
        }

        try
        {
            await s3.PutBucketAsync(bucket, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }

        bucketReady = true;
    }
}
