using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations.ConfigurationBackup;

namespace CausalEval.Dr.Orchestrations;

/// <summary>What each row of the schedule table starts. Rows without an entry are not automated yet.</summary>
public static class ScheduledRuns
{
    public sealed record ScheduledRun(string Orchestration, object Input);

    public static ScheduledRun? For(string scheduleName) => scheduleName switch
    {
        ScheduleTable.ConfigurationBackup => new(nameof(BackupConfiguration), new BackupConfigurationInput(Trigger: "schedule")),
        _ => null,
    };
}
