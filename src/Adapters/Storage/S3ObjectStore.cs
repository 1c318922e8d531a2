using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// S3 (s3rver locally). The SHA-256 is user metadata (x-amz-meta-sha256) set in the same PUT as the bytes.
/// An object up to one part is one PUT; a larger one streams as parts, up to four in flight (and in
/// memory) at once, each a plain object with its own checksum, then a part index at the key, written last
/// (<see cref="S3PartIndex"/>). No multipart upload, so no hidden leftovers, and no self-copy (S3 refuses
/// to copy objects over 5 GiB). Each PUT sends Content-MD5 and the returned ETag is checked against it: the
/// store confirms the bytes it holds, so uploads need not be read back. Every request disables aws-chunked
/// encoding: s3rver stores such bodies as-is, silently corrupted.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 s3, string bucket, int partSizeBytes = 8 * 1024 * 1024) : IObjectStore
{
    private const string ShaKey = "x-amz-meta-sha256";
    private const string SizeKey = "x-amz-meta-size";
    private const string PartSetKey = "x-amz-meta-part-set";
    private const string IndexShaKey = "x-amz-meta-index-sha256";
    private const int ParallelParts = 4;
    private bool bucketReady;

    public string Location => $"s3://{bucket}";

    /// <summary>A client set up the way s3rver (and any S3 that predates flexible checksums) needs.</summary>
    public static AmazonS3Client CreateClient(string serviceUrl, string accessKeyId, string secretAccessKey, string region = "us-east-1") =>
        new(new Amazon.Runtime.BasicAWSCredentials(accessKeyId, secretAccessKey), new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = region,
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        await EnsureBucketAsync(cancellationToken);
        var replaced = await PartSetOfAsync(key, cancellationToken);
        using var hashing = new HashingStream(content);
        var first = await StreamParts.ReadAsync(hashing, partSizeBytes, cancellationToken);
        if (first.Length < partSizeBytes)
        {
            var sha = hashing.Sha256Hex();
            await PutCheckedAsync(key, first, new() { [ShaKey] = sha }, cancellationToken);
            await RemovePartSetAsync(key, replaced, CancellationToken.None);
            return new StoredObject(key, hashing.BytesRead, sha, DateTimeOffset.UtcNow);
        }

        var set = Guid.NewGuid().ToString("N");
        string digest;
        try
        {
            var parts = await StreamParts.UploadAllAsync(hashing, first, partSizeBytes, ParallelParts,
                (part, number) => UploadPartAsync(S3PartIndex.PartKey(key, set, number), part, cancellationToken), cancellationToken);
            digest = hashing.Sha256Hex();
            await EnsurePartsStillThereAsync(key, set, parts.Length, cancellationToken);
            var index = new S3PartIndex(S3PartIndex.CurrentFormat, hashing.BytesRead, digest, parts);
            var indexBytes = index.ToBytes();
            await PutCheckedAsync(key, new MemoryStream(indexBytes), new()
            {
                [ShaKey] = digest,
                [SizeKey] = hashing.BytesRead.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [PartSetKey] = set,
                [IndexShaKey] = Convert.ToHexStringLower(SHA256.HashData(indexBytes)),
            }, cancellationToken);
        }
        catch
        {
            // Nothing references these parts (none is still being written): remove what went up; a kill leaves them to ListUnfinishedAsync.
            await RemovePartSetAsync(key, set, CancellationToken.None);
            throw;
        }

        await RemovePartSetAsync(key, replaced, CancellationToken.None);
        return new StoredObject(key, hashing.BytesRead, digest, DateTimeOffset.UtcNow);
    }

    public async Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            var size = head.Metadata[SizeKey] is { } declared ? long.Parse(declared, System.Globalization.CultureInfo.InvariantCulture) : head.ContentLength;
            return new StoredObject(key, size, head.Metadata[ShaKey], head.LastModified);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task ReadVerifiedAsync(string key, Stream destination, string? expectedSha256, CancellationToken cancellationToken = default)
    {
        using var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
        if (response.Metadata[PartSetKey] is null)
        {
            await VerifiedCopy.CopyAsync(key, response.ResponseStream, destination, response.Metadata[ShaKey], expectedSha256, cancellationToken);
            return;
        }

        using var indexBytes = new MemoryStream();
        await VerifiedCopy.CopyAsync(key, response.ResponseStream, indexBytes, response.Metadata[IndexShaKey], null, cancellationToken);
        var index = S3PartIndex.Parse(key, indexBytes.ToArray());
        if (expectedSha256 is not null && expectedSha256 != index.Sha256)
        {
            throw new ChecksumMismatchException(key, expectedSha256, index.Sha256);
        }

        using var whole = new HashingTarget(destination);
        foreach (var part in index.Parts)
        {
            try
            {
                using var body = await s3.GetObjectAsync(bucket, part.Key, cancellationToken);
                await VerifiedCopy.CopyAsync(part.Key, body.ResponseStream, whole, part.Sha256, null, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                throw new InvalidDataException($"object '{key}' lost its part '{part.Key}' (replaced or deleted while being read?)", e);
            }
        }

        if (whole.Sha256Hex() != index.Sha256)
        {
            throw new ChecksumMismatchException(key, index.Sha256, whole.Sha256Hex());
        }
    }

    /// <summary>S3 listings carry no user metadata: <see cref="StoredObject.Sha256"/> is null here (GetInfoAsync has it), and a parted object's size is its
    /// index's.</summary>
    public async Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        (await ListRawAsync(prefix, cancellationToken)).Where(o => !S3PartIndex.IsPartKey(o.Key)).ToList();

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // The index first: the object vanishes at once; parts a crash leaves are unreferenced leftovers.
        var set = await PartSetOfAsync(key, cancellationToken);
        try
        {
            await s3.DeleteObjectAsync(bucket, key, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return; // No bucket, no object: already deleted.
        }

        await RemovePartSetAsync(key, set, cancellationToken);
    }

    public async Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var result = new List<UnfinishedUpload>();
        var sets = (await ListRawAsync(prefix, cancellationToken))
            .Select(o => (Object: o, Owner: S3PartIndex.OwnerOf(o.Key)))
            .Where(x => x.Owner is not null)
            .GroupBy(x => x.Owner!.Value);
        foreach (var set in sets)
        {
            if (await PartSetOfAsync(set.Key.Key, cancellationToken) != set.Key.Set)
            {
                result.Add(new UnfinishedUpload(set.Key.Key, S3PartIndex.PartsPrefix(set.Key.Key, set.Key.Set),
                    set.Sum(x => x.Object.SizeBytes), set.Max(x => x.Object.LastModified) ?? DateTimeOffset.MinValue));
            }
        }

        return result;
    }

    public async Task RemoveUnfinishedAsync(UnfinishedUpload upload, CancellationToken cancellationToken = default)
    {
        // Re-checked here: the set may have been committed since it was listed.
        if (S3PartIndex.OwnerOf(upload.Handle + "0") is { } owner && await PartSetOfAsync(owner.Key, cancellationToken) != owner.Set)
        {
            await RemovePartSetAsync(owner.Key, owner.Set, cancellationToken);
        }
    }

    private async Task<S3PartIndex.Part> UploadPartAsync(string partKey, MemoryStream part, CancellationToken cancellationToken)
    {
        await using (part)
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(Bytes(part)));
            var size = part.Length;
            await PutCheckedAsync(partKey, part, new() { [ShaKey] = sha }, cancellationToken);
            return new S3PartIndex.Part(partKey, size, sha);
        }
    }

    /// <summary>One PUT with its metadata, Content-MD5, and the store's ETag checked against the MD5 (when it is one: not under SSE-KMS).</summary>
    private async Task PutCheckedAsync(string key, MemoryStream body, Dictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var md5 = MD5.HashData(Bytes(body));
        var put = new PutObjectRequest
        {
            BucketName = bucket, Key = key, InputStream = body, UseChunkEncoding = false, AutoCloseStream = false,
            MD5Digest = Convert.ToBase64String(md5),
        };
        foreach (var (name, value) in metadata)
        {
            put.Metadata.Add(name, value);
        }

        var response = await s3.PutObjectAsync(put, cancellationToken);
        var etag = response.ETag?.Trim('"') ?? "";
        if (etag.Length == 32 && !etag.Equals(Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"S3 stored '{key}' with ETag {etag}, but the MD5 of the bytes sent is {Convert.ToHexStringLower(md5)}");
        }
    }

    private static ReadOnlySpan<byte> Bytes(MemoryStream stream) =>
        stream.TryGetBuffer(out var buffer) ? buffer.AsSpan(0, (int)stream.Length) : stream.ToArray();

    /// <summary>
    /// A retention run may have removed this set's parts while the upload looked abandoned (a heartbeat that
    /// went stale): never commit an index to parts that are gone.
    /// </summary>
    private async Task EnsurePartsStillThereAsync(string key, string set, int expected, CancellationToken cancellationToken)
    {
        var present = (await ListRawAsync(S3PartIndex.PartsPrefix(key, set), cancellationToken)).Count;
        if (present != expected)
        {
            throw new InvalidDataException($"upload of '{key}' lost parts while running ({present} of {expected} left): was it taken for abandoned?");
        }
    }

    private async Task<string?> PartSetOfAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return (await s3.GetObjectMetadataAsync(bucket, key, cancellationToken)).Metadata[PartSetKey];
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task RemovePartSetAsync(string key, string? set, CancellationToken cancellationToken)
    {
        if (set is null)
        {
            return;
        }

        foreach (var part in await ListRawAsync(S3PartIndex.PartsPrefix(key, set), cancellationToken))
        {
            await s3.DeleteObjectAsync(bucket, part.Key, cancellationToken);
        }
    }

    private async Task<List<StoredObject>> ListRawAsync(string prefix, CancellationToken cancellationToken)
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
