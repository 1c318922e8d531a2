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

    /// <summary>
    /// The run a schedule row starts. Retention for scheduled runs comes from <c>Retention:{Name}:KeepCount</c>
    /// or <c>Retention:{Name}:KeepDays</c> (and <c>Retention:WalWindowDays</c>) when set, else the seed's table.
    /// </summary>
    public static ScheduledRun? For(string scheduleName, IConfiguration? configuration = null)
    {
        var retention = configuration?.GetSection("Retention");
        int? keepCount = retention?.GetValue<int?>($"{scheduleName}:KeepCount");
        double? keepDays = retention?.GetValue<double?>($"{scheduleName}:KeepDays");
        double? walWindowDays = retention?.GetValue<double?>("WalWindowDays");
        return scheduleName switch
        {
            ScheduleTable.ConfigurationBackup => new(nameof(BackupConfiguration), new BackupConfigurationInput(Trigger: "schedule", KeepCount: keepCount)),
            ScheduleTable.ApplicationStateBackup => new(nameof(BackupApplicationState), new BackupApplicationStateInput(Trigger: "schedule", KeepCount: keepCount)),
            ScheduleTable.DatabaseIncrementalBackup => new(nameof(CheckWalArchive), new CheckWalArchiveInput(Trigger: "schedule")),
            ScheduleTable.DatabaseFullBackup => new(nameof(BackupDatabase), new BackupDatabaseInput(Trigger: "schedule", KeepDays: keepDays, WalWindowDays: walWindowDays)),
            ScheduleTable.MetricsBackup => new(nameof(BackupMetrics), new BackupFilesInput(Trigger: "schedule", KeepCount: keepCount)),
            ScheduleTable.LogsBackup => new(nameof(BackupLogs), new BackupFilesInput(Trigger: "schedule", KeepCount: keepCount)),
            _ => null,
        };
    }
}
