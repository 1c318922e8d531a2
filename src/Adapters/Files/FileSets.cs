namespace CausalEval.Dr.Adapters.Files;

/// <summary>The file-set backups: catalog kind and the settings section naming their files.</summary>
public static class FileSets
{
    public static readonly (string Kind, string Section) Configuration = ("configuration", "ConfigurationBackup");
    public static readonly (string Kind, string Section) Metrics = ("metrics", "MetricsBackup");
    public static readonly (string Kind, string Section) Logs = ("logs", "LogsBackup");

    public static IReadOnlyList<(string Kind, string Section)> All { get; } = [Configuration, Metrics, Logs];

    public static string SectionOf(string kind) =>
        All.FirstOrDefault(f => f.Kind == kind).Section ?? throw new ArgumentException($"kind: '{kind}' is not a file-set backup (known: {string.Join(", ", All.Select(f => f.Kind))})");
}
