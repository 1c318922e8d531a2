using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Workload;

/// <summary>
/// The framework's files: for each evaluation committed, an artifact object (<c>artifacts/{id}.json</c>) in the serving region's
/// file store (the S3 server at the address <c>db.</c> names, on the files port); every fifth evaluation also overwrites an
/// earlier artifact, every seventh deletes one. Each operation the store took is a row of the <c>artifact_writes</c> ledger
/// with when it was sent and when it was done: a test can tell what the store held at any moment, and which operations were
/// in flight then. Off the request path: a store that is down loses artifacts, never an evaluation.
/// </summary>
public sealed class ArtifactWriter(WorkloadOptions options, DatabaseResolver resolver, ILogger<ArtifactWriter> logger)
{
    public const string Prefix = "artifacts/";

    private readonly Channel<long> committed = Channel.CreateBounded<long>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ConcurrentDictionary<string, AmazonS3Client> clients = new();

    public bool Enabled => options.FilesPort is > 0;

    public static string KeyOf(long id) => $"{Prefix}{id:D10}.json";

    public void Committed(long id)
    {
        if (Enabled)
        {
            committed.Writer.TryWrite(id);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await foreach (var id in committed.Reader.ReadAllAsync(cancellationToken))
            {
                await WriteAsync("put", KeyOf(id), Content(id), cancellationToken);
                if (id % 5 == 0 && id > 3)
                {
                    await WriteAsync("put", KeyOf(id - 3), Content(id - 3), cancellationToken);
                }

                if (id % 7 == 0 && id > 6)
                {
                    await WriteAsync("delete", KeyOf(id - 6), null, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static byte[] Content(long id) =>
        Encoding.UTF8.GetBytes($$"""{"evaluation": {{id}}, "result": "{{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}}"}""");

    private async Task WriteAsync(string op, string key, byte[]? content, CancellationToken cancellationToken)
    {
        try
        {
            var (source, address) = await resolver.ResolveAsync(cancellationToken);
            var startedAt = DateTimeOffset.UtcNow;
            var s3 = clients.GetOrAdd(address, a => new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
            {
                ServiceURL = $"http://{a}:{options.FilesPort}", ForcePathStyle = true, Timeout = TimeSpan.FromSeconds(5), MaxErrorRetry = 0,
                RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
            }));
            if (content is null)
            {
                await s3.DeleteObjectAsync(options.FilesBucket, key, cancellationToken);
            }
            else
            {
                await PutAsync(s3, key, content, cancellationToken);
            }

            // One row per operation the store took: when it was sent (the window opens) and when it was done (it closes).
            await using var ledger = source.CreateCommand(
                "INSERT INTO artifact_writes (key, op, sha256, at, done_at) VALUES ($1, $2, $3, $4, clock_timestamp())");
            ledger.Parameters.AddWithValue(key);
            ledger.Parameters.AddWithValue(op);
            ledger.Parameters.AddWithValue(content is null ? DBNull.Value : Convert.ToHexStringLower(SHA256.HashData(content)));
            ledger.Parameters.AddWithValue(startedAt);
            await ledger.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug("artifact {Op} {Key} not done: {Error}", op, key, e.Message);
        }
    }

    private async Task PutAsync(AmazonS3Client s3, string key, byte[] content, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest { BucketName = options.FilesBucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false };
        try
        {
            await s3.PutObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            await s3.PutBucketAsync(options.FilesBucket, cancellationToken);
            request.InputStream = new MemoryStream(content);
            await s3.PutObjectAsync(request, cancellationToken);
        }
    }
}
