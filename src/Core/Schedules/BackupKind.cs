namespace CausalEval.Dr.Core.Schedules;

/// <summary>What a scheduled backup protects (the rows of the seed's "Backup Automation" table).</summary>
public enum BackupKind
{
    DatabaseFull,
    DatabaseIncremental,
    Configuration,
    ApplicationState,
    Metrics,
    Logs,
}
