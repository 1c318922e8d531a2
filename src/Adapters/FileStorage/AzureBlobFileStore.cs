using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>A container of the framework's files on Azure Blob storage (Azurite in the lab). The continuation is the service's
/// marker, which stays valid: a resumed run goes on where it stopped.</summary>
public sealed class AzureBlobFileStore(BlobContainerClient container) : IFileStore
{
    public string Location => $"azure-blob://{container.AccountName}/{container.Name}";

    public async Task<FileListingPage> ListPageAsync(string prefix, string? after, int max, CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var page in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).AsPages(after, max))
            {
                var objects = page.Values.Select(b => new FileObject(b.Name, b.Properties.ContentLength ?? 0,
                    b.Properties.LastModified ?? DateTimeOffset.MinValue, b.Properties.ETag?.ToString().Trim('"') ?? "")).ToList();
                return new FileListingPage(objects, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }
        }
        catch (RequestFailedException e) when (e.ErrorCode == "ContainerNotFound")
        {
        }

        return new FileListingPage([], null);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await container.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await container.GetBlobClient(key).UploadAsync(content, overwrite: true, cancellationToken);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellationToken);
}
