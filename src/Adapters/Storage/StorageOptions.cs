using CausalEval.Dr.Core.Errors;
namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// Where backups go (section "Storage"). Connection strings and keys are secrets: they are read from
/// configuration inside the activity's process and never travel in orchestration inputs or outputs.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>azure-blob, s3 or local.</summary>
    public string Kind { get; set; } = "azure-blob";

    /// <summary>Azure Blob connection string (azure-blob).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Blob container or S3 bucket.</summary>
    public string Container { get; set; } = "dr-backups";

    public S3Settings S3 { get; set; } = new();

    /// <summary>Root folder (local).</summary>
    public string LocalPath { get; set; } = "";

    public sealed class S3Settings
    {
        public string ServiceUrl { get; set; } = "";
        public string Region { get; set; } = "us-east-1";
        public string AccessKeyId { get; set; } = "";
        public string SecretAccessKey { get; set; } = "";
    }

    /// <summary>Builds the configured store, or says exactly which setting is missing or wrong.</summary>
    public IObjectStore CreateStore()
    {
        static string Require(string value, string key) =>
            string.IsNullOrWhiteSpace(value) ? throw new DrConfigurationException($"{Section}:{key} is not set") : value;

        return Kind.ToLowerInvariant() switch
        {
            "azure-blob" => new AzureBlobObjectStore(new Azure.Storage.Blobs.BlobContainerClient(Require(ConnectionString, nameof(ConnectionString)), Container)),
            "s3" => new S3ObjectStore(
                S3ObjectStore.CreateClient(Require(S3.ServiceUrl, "S3:ServiceUrl"), Require(S3.AccessKeyId, "S3:AccessKeyId"), Require(S3.SecretAccessKey, "S3:SecretAccessKey"), S3.Region),
                Container),
            "local" => new LocalDirectoryObjectStore(Require(LocalPath, nameof(LocalPath))),
            _ => throw new DrConfigurationException($"{Section}:Kind '{Kind}' is not a store (use azure-blob, s3 or local)"),
        };
    }
}
