using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Backups;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Tests.Orchestrations.Backups;

/// <summary>Every run (manual or scheduled) applies the configured retention: input, else Retention:{Kind}, else the seed.</summary>
public sealed class Retention_settings_test
{
    private static IConfiguration Settings(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void Settings_override_the_seed_and_the_input_overrides_both()
    {
        var settings = Settings(new()
        {
            ["Retention:Configuration:KeepCount"] = "5",
            ["Retention:Database:KeepDays"] = "10",
            ["Retention:Wal:KeepDays"] = "3",
        });

        Assert.Equal(5, RetentionSettings.For(BackupKind.Configuration, settings).KeepCount);
        Assert.Equal(TimeSpan.FromDays(10), RetentionSettings.For(BackupKind.Database, settings).KeepFor);
        Assert.Equal(TimeSpan.FromDays(3), RetentionSettings.For(BackupKind.Wal, settings).KeepFor);
        Assert.Equal(90, RetentionSettings.For(BackupKind.Metrics, settings).KeepCount); // the seed's
        Assert.Equal(2, RetentionSettings.For(BackupKind.Configuration, settings, keepCount: 2).KeepCount);
        Assert.Equal("keep 5", RetentionSettings.For(BackupKind.Configuration, settings).Describe());
    }

    [Fact]
    public void A_bad_setting_is_a_configuration_error_naming_its_key()
    {
        var error = Assert.Throws<DrConfigurationException>(() =>
            RetentionSettings.For(BackupKind.Logs, Settings(new() { ["Retention:Logs:KeepCount"] = "0" })));
        Assert.Contains("Retention:Logs", error.Message);
        Assert.Contains("at least 1", error.Message);

        // A retention of 100 million days would overflow when applied, after the backup was taken: refused up front.
        var huge = Assert.Throws<DrConfigurationException>(() =>
            RetentionSettings.For(BackupKind.Database, Settings(new() { ["Retention:Database:KeepDays"] = "100000000" })));
        Assert.Contains("Retention:Database:KeepDays: 100000000 is more than 36500 days", huge.Message);
    }
}
