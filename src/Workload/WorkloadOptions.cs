namespace CausalEval.Dr.Workload;

/// <summary>How one workload instance finds its dependencies. The lab writes one file per instance.</summary>
public sealed record WorkloadOptions(
    string Region,
    string Address,
    int Port,
    string DnsAddress,
    int DnsPort,
    string Zone,
    int DatabasePort,
    string RedisAddress,
    int RedisPort,
    string ConfigFile,
    string ModelCacheDirectory,
    string? DatabasePassword = null,
    int? FilesPort = null,
    string FilesBucket = "artifacts");
