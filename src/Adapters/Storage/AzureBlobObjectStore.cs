using Azure;
using Azure.Storage.Blobs;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// Azure Blob Storage (Azurite locally). The SHA-256 is kept in the blob's metadata, set in the same request
/// that makes the bytes visible (Put Blob, or Put Block List after the blocks), so a reader never sees new
/// bytes with an old or missing checksum. Each request carries an MD5 the service checks. An upload killed
/// before its commit leaves uncommitted blocks, which the service discards by itself after seven days.
/// </summary>
public sealed class AzureBlobObjectStore(BlobContainerClient container, int blockSizeBytes = 8 << 20) : IObjectStore
{
    private const string ShaKey = "sha256";
    private const int ParallelBlocks = 4;
    private static readonly UploadTransferValidationOptions Md5 = new() { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 };
    private bool containerReady;

    public string Location => $"azure-blob://{container.AccountName}/{container.Name}";

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var blob = container.GetBlockBlobClient(key);
        using var hashing = new HashingStream(content);
        var first = await StreamParts.ReadAsync(hashing, blockSizeBytes, cancellationToken);
        if (first.Length < blockSizeBytes)
        {
            var sha = hashing.Sha256Hex();
            await using (first)
            {
                await blob.UploadAsync(first, new BlobUploadOptions { Metadata = Metadata(sha), TransferValidation = Md5 }, cancellationToken);
            }

            return new StoredObject(key, hashing.BytesRead, sha, DateTimeOffset.UtcNow);
        }

        // Blocks go up concurrently (at most ParallelBlocks in memory) while the next ones are read and hashed.
        // Ids unique to this upload: two writers of one blob never commit each other's blocks.
        var upload = Guid.NewGuid().ToString("N");
        var ids = await StreamParts.UploadAllAsync(hashing, first, blockSizeBytes, ParallelBlocks,
            (block, number)
                => StageAsync(blob, Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{upload}-{number - 1:D6}")), block, cancellationToken),
            cancellationToken);
        var digest = hashing.Sha256Hex();
        await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { Metadata = Metadata(digest) }, cancellationToken);
        return new StoredObject(key, hashing.BytesRead, digest, DateTimeOffset.UtcNow);
    }

    /// <summary>Nothing to list: uncommitted blocks are invisible and expire on their own (see the class summary).</summary>
    public Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string prefix, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<UnfinishedUpload>>([]);

    public Task RemoveUnfinishedAsync(UnfinishedUpload upload, CancellationToken cancellationToken = default) => Task.CompletedTask;

    private static async Task<string> StageAsync(BlockBlobClient blob, string id, MemoryStream block, CancellationToken cancellationToken)
    {
        await using (block)
        {
            await blob.StageBlockAsync(id, block, new BlockBlobStageBlockOptions { TransferValidation = Md5 }, cancellationToken);
        }

        return id;
    }

    private static Dictionary<string, string> Metadata(string sha) => new() { [ShaKey] = sha };

    public async Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var props = (await container.GetBlobClient(key).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return new StoredObject(key, props.ContentLength, ShaOf(props.Metadata), props.LastModified);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task ReadVerifiedAsync(string key, Stream destination, string? expectedSha256, CancellationToken cancellationToken = default)
    {
        var blob = container.GetBlobClient(key);
        var download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        await using var body = download.Content;
        await VerifiedCopy.CopyAsync(key, body, destination, ShaOf(download.Details.Metadata), expectedSha256, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var result = new List<StoredObject>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken))
        {
            result.Add(new StoredObject(item.Name, item.Properties.ContentLength ?? 0, ShaOf(item.Metadata), item.Properties.LastModified));
        }

        return result;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    private static string? ShaOf(IDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(ShaKey, out var sha) ? sha : null;

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!containerReady)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            containerReady = true;
        }
    }
}
