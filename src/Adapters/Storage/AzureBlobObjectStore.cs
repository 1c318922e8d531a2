using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Azure Blob Storage (Azurite locally). The SHA-256 is kept in the blob's metadata.</summary>
public sealed class AzureBlobObjectStore(BlobContainerClient container) : IObjectStore
{
    private const string ShaKey = "sha256";
    private bool containerReady;

    public string Location => $"azure-blob://{container.AccountName}/{container.Name}";

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        var blob = container.GetBlobClient(key);
        using var hashing = new HashingStream(content);
        // Blocks of 8 MiB, four in flight: the stream is read (and hashed) once, in order, while blocks upload.
        await blob.UploadAsync(hashing, new BlobUploadOptions
        {
            TransferOptions = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 8 << 20, MaximumTransferSize = 8 << 20, MaximumConcurrency = 4 },
        }, cancellationToken);
        var sha = hashing.Sha256Hex();

        // Metadata is set after the bytes are in, because the hash is only known at the end of the stream.
        await blob.SetMetadataAsync(new Dictionary<string, string> { [ShaKey] = sha }, cancellationToken: cancellationToken);
        return new StoredObject(key, hashing.BytesRead, sha, DateTimeOffset.UtcNow);
    }

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

    public async Task ReadVerifiedAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        var blob = container.GetBlobClient(key);
        var download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        await using var body = download.Content;
        await VerifiedCopy.CopyAsync(key, body, destination, ShaOf(download.Details.Metadata), cancellationToken);
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
