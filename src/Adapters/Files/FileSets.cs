using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Files;

/// <summary>The file-set backups and the settings section naming their files (<c>{Section}:Paths</c>).</summary>
public static class FileSets
{
    public static IReadOnlyDictionary<BackupKind, string> Sections { get; } = new Dictionary<BackupKind, string>
    {
        [BackupKind.Configuration] = "ConfigurationBackup",
        [BackupKind.Metrics] = "MetricsBackup",
        [BackupKind.Logs] = "LogsBackup",
    };

    public static string SectionOf(BackupKind kind) =>
        Sections.TryGetValue(kind, out var section) ? section
        : throw new BadInputException($"kind: '{kind}' is not a file-set backup (file sets: {string.Join(", ", Sections.Keys)})");
}
