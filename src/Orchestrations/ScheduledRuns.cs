using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations.ApplicationState;
using CausalEval.Dr.Orchestrations.Wal;
using CausalEval.Dr.Orchestrations.ConfigurationBackup;
using CausalEval.Dr.Orchestrations.DatabaseBackup;
using CausalEval.Dr.Orchestrations.FileBackup;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations;

/// <summary>What each row of the schedule table starts. Rows without an entry are not automated yet.</summary>
public static class ScheduledRuns
{
    public sealed record ScheduledRun(string Orchestration, object Input);

    /// <summary>The schedule table as both hosts read it: seed defaults, overridden by <c>Schedules:{Name}</c>.</summary>
    public static ScheduleTable LoadTable(IConfiguration configuration) =>
        ScheduleTable.WithOverrides(configuration.GetSection("Schedules").GetChildren().ToDictionary(c => c.Key, c => c.Value));

    public static ScheduledRun? For(string scheduleName) => scheduleName switch
    {
        ScheduleTable.ConfigurationBackup => new(nameof(BackupConfiguration), new BackupConfigurationInput(Trigger: "schedule")),
        ScheduleTable.ApplicationStateBackup => new(nameof(BackupApplicationState), new BackupApplicationStateInput(Trigger: "schedule")),
        ScheduleTable.DatabaseIncrementalBackup => new(nameof(CheckWalArchive), new CheckWalArchiveInput(Trigger: "schedule")),
        ScheduleTable.DatabaseFullBackup => new(nameof(BackupDatabase), new BackupDatabaseInput(Trigger: "schedule")),
        ScheduleTable.MetricsBackup => new(nameof(BackupMetrics), new BackupFilesInput(Trigger: "schedule")),
        ScheduleTable.LogsBackup => new(nameof(BackupLogs), new BackupFilesInput(Trigger: "schedule")),
        _ => null,
    };
}
