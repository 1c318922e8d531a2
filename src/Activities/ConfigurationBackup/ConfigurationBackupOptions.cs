namespace CausalEval.Dr.Activities.ConfigurationBackup;

/// <summary>Which configuration files the configuration backup snapshots.</summary>
public sealed class ConfigurationBackupOptions
{
    public const string Section = "ConfigurationBackup";

    /// <summary>Files or directories (taken recursively). Relative paths are resolved against <see cref="BaseDirectory"/>.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>Defaults to the process's working directory.</summary>
    public string? BaseDirectory { get; set; }
}
