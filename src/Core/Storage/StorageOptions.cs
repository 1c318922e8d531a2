using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Core.Storage;

/// <summary>
/// An object store: where backups go (section "Storage"), and each region's near and far stores in the DR
/// topology. Connection strings and keys are secrets: they are read from configuration inside the process
/// that uses the store and never travel in orchestration inputs or outputs.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public static readonly string[] Kinds = ["azure-blob", "s3", "local"];

    /// <summary>azure-blob, s3 or local.</summary>
    public string Kind { get; set; } = "azure-blob";

    /// <summary>Azure Blob connection string (azure-blob).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Blob container or S3 bucket.</summary>
    public string Container { get; set; } = "dr-backups";

    public S3Settings S3 { get; set; } = new();

    /// <summary>Root folder (local).</summary>
    public string LocalPath { get; set; } = "";

    /// <summary>Objects larger than this go up in parts of this size, four at a time (S3 parts, Azure blocks): memory is four parts.</summary>
    public int PartSizeMiB { get; set; } = 8;

    /// <summary>Download every upload again before it counts (off: each request's MD5 is checked by the store).</summary>
    public bool ReadBackAfterUpload { get; set; }

    public sealed class S3Settings
    {
        public string ServiceUrl { get; set; } = "";
        public string Region { get; set; } = "us-east-1";
        public string AccessKeyId { get; set; } = "";
        public string SecretAccessKey { get; set; } = "";
    }

    public string NormalizedKind => Kind.ToLowerInvariant();

    /// <summary>Every setting missing for this kind of store, named under <paramref name="path"/> (e.g. "Storage").</summary>
    public IReadOnlyList<string> Problems(string path = Section)
    {
        var problems = new List<string>();
        void Require(string value, string key)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{path}:{key} is not set");
            }
        }

        if (PartSizeMiB is < 1 or > 1024)
        {
            problems.Add($"{path}:PartSizeMiB {PartSizeMiB} is outside 1..1024");
        }

        switch (NormalizedKind)
        {
            case "azure-blob":
                Require(ConnectionString, nameof(ConnectionString));
                break;
            case "s3":
                Require(S3.ServiceUrl, "S3:ServiceUrl");
                Require(S3.AccessKeyId, "S3:AccessKeyId");
                Require(S3.SecretAccessKey, "S3:SecretAccessKey");
                break;
            case "local":
                Require(LocalPath, nameof(LocalPath));
                break;
            default:
                problems.Add($"{path}:Kind '{Kind}' is not a store (use {string.Join(", ", Kinds)})");
                break;
        }

        return problems;
    }

    /// <summary>A location for logs and reports, without secrets.</summary>
    public string Describe() => NormalizedKind switch
    {
        "azure-blob" => $"azure-blob container {Container}",
        "s3" => $"s3 bucket {Container} at {S3.ServiceUrl}",
        "local" => $"local directory {LocalPath}",
        _ => $"unknown store kind '{Kind}'",
    };

    public void EnsureValid(string path = Section)
    {
        if (Problems(path) is { Count: > 0 } problems)
        {
            throw new DrConfigurationException(string.Join("; ", problems));
        }
    }
}
