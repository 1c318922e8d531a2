using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Storage;

namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>Opens the framework's file store a region's <c>Files</c> settings name (s3 or azure-blob; the same settings as a backup store's).</summary>
public static class FileStores
{
    public static IFileStore Open(StorageOptions options, string path)
    {
        options.EnsureValid(path);
        return options.NormalizedKind switch
        {
            "s3" => new S3FileStore(S3ObjectStore.CreateClient(options.S3.ServiceUrl, options.S3.AccessKeyId, options.S3.SecretAccessKey, options.S3.Region),
                options.Container),
            "azure-blob" => new AzureBlobFileStore(new Azure.Storage.Blobs.BlobContainerClient(options.ConnectionString, options.Container)),
            _ => throw new Core.Errors.DrConfigurationException($"{path}:Kind '{options.Kind}': the framework's files live in s3 or azure-blob"),
        };
    }

    /// <summary>Every object under <paramref name="prefix"/>, a page at a time, in key order.</summary>
    public static async IAsyncEnumerable<FileObject> ListAllAsync(this IFileStore store, string prefix = "",
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        do
        {
            var page = await store.ListPageAsync(prefix, after, 1000, cancellationToken);
            foreach (var o in page.Objects)
            {
                yield return o;
            }

            after = page.Next;
        }
        while (after is not null);
    }

    /// <summary>Keys in the order S3 and Blob storage list them: by their UTF-8 bytes (string.CompareOrdinal differs above U+FFFF).</summary>
    public static int CompareKeys(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }

        return System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b));
    }

    public static readonly IComparer<string> KeyOrder = Comparer<string>.Create(CompareKeys);
}
