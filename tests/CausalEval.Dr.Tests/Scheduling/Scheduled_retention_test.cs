using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Orchestrations.ConfigurationBackup;
using CausalEval.Dr.Orchestrations.DatabaseBackup;
using CausalEval.Dr.Orchestrations.FileBackup;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Tests.Scheduling;

/// <summary>Scheduled runs take retention from Retention:{Name} settings, and the seed's table when there are none.</summary>
public sealed class Scheduled_retention_test
{
    [Fact]
    public void Retention_settings_reach_the_scheduled_runs_inputs()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Retention:ConfigurationBackup:KeepCount"] = "5",
            ["Retention:DatabaseFullBackup:KeepDays"] = "10",
            ["Retention:WalWindowDays"] = "3",
            ["Retention:LogsBackup:KeepCount"] = "52",
        }).Build();

        Assert.Equal(5, ((BackupConfigurationInput)ScheduledRuns.For("ConfigurationBackup", configuration)!.Input).KeepCount);
        var database = (BackupDatabaseInput)ScheduledRuns.For("DatabaseFullBackup", configuration)!.Input;
        Assert.Equal((10.0, 3.0), (database.KeepDays, database.WalWindowDays));
        Assert.Equal(52, ((BackupFilesInput)ScheduledRuns.For("LogsBackup", configuration)!.Input).KeepCount);
        Assert.Null(((BackupFilesInput)ScheduledRuns.For("MetricsBackup", configuration)!.Input).KeepCount); // seed: 90

        var seed = (BackupDatabaseInput)ScheduledRuns.For("DatabaseFullBackup")!.Input;
        Assert.Equal("schedule", seed.Trigger);
        Assert.Null(seed.KeepDays); // the runbook applies the seed's 30 days
    }
}
