using CausalEval.Dr.Core.Storage;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Builds the store a <see cref="StorageOptions"/> names, or says exactly which setting is missing or wrong.</summary>
public static class StoreFactory
{
    public static IObjectStore CreateStore(this StorageOptions options, string path = StorageOptions.Section)
    {
        options.EnsureValid(path);
        IObjectStore store = options.NormalizedKind switch
        {
            "azure-blob"
                => new AzureBlobObjectStore(new Azure.Storage.Blobs.BlobContainerClient(options.ConnectionString, options.Container),
                options.PartSizeMiB << 20),
            "s3" => new S3ObjectStore(S3ObjectStore.CreateClient(options.S3.ServiceUrl, options.S3.AccessKeyId, options.S3.SecretAccessKey, options.S3.Region),
                options.Container, options.PartSizeMiB << 20),
            _ => new LocalDirectoryObjectStore(options.LocalPath),
        };
        return options.ReadBackAfterUpload ? new ReadBackObjectStore(store) : store;
    }
}
