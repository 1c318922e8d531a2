using CausalEval.Dr.Core.Retention;

namespace CausalEval.Dr.Core.Schedules;

/// <summary>
/// The backup schedule table. Defaults are the seed's "Backup Automation" table; configuration
/// (<c>Schedules:{Name}</c> = cron) overrides a row's timing. Both hosts read the same keys.
/// </summary>
public sealed class ScheduleTable
{
    public const string ConfigurationBackup = "ConfigurationBackup";
    public const string DatabaseFullBackup = "DatabaseFullBackup";
    public const string ApplicationStateBackup = "ApplicationStateBackup";
    public const string DatabaseIncrementalBackup = "DatabaseIncrementalBackup";
    public const string MetricsBackup = "MetricsBackup";
    public const string LogsBackup = "LogsBackup";

    /// <summary>The seed's table, with the cron expressions given seconds (Functions' six-field format).</summary>
    public static IReadOnlyList<BackupSchedule> SeedDefaults { get; } =
    [
        new("DatabaseFullBackup", BackupKind.DatabaseFull, "0 0 2 * * *", RetentionPolicy.Age(TimeSpan.FromDays(30))),
        new("DatabaseIncrementalBackup", BackupKind.DatabaseIncremental, "0 */15 * * * *", RetentionPolicy.Age(TimeSpan.FromDays(7))),
        new(ConfigurationBackup, BackupKind.Configuration, "0 0 */6 * * *", RetentionPolicy.Count(14)),
        new("ApplicationStateBackup", BackupKind.ApplicationState, "0 */30 * * * *", RetentionPolicy.Count(3)),
        new(MetricsBackup, BackupKind.Metrics, "0 0 1 * * *", RetentionPolicy.Count(90)),
        new(LogsBackup, BackupKind.Logs, "0 0 0 * * 0", RetentionPolicy.Count(365)),
    ];

    private ScheduleTable(IReadOnlyList<BackupSchedule> rows) => Rows = rows;

    public IReadOnlyList<BackupSchedule> Rows { get; }

    public BackupSchedule this[string name] =>
        Rows.FirstOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"no schedule named '{name}'");

    public static ScheduleTable Defaults { get; } = new(SeedDefaults);

    /// <summary>
    /// Applies overrides (name → cron). Unknown names and unparsable expressions are errors, all named at
    /// once: a typo in a schedule must not silently leave a backup unscheduled.
    /// </summary>
    public static ScheduleTable WithOverrides(IReadOnlyDictionary<string, string?> overrides)
    {
        var errors = new List<string>();
        var rows = SeedDefaults.ToList();
        foreach (var (name, cron) in overrides)
        {
            var index = rows.FindIndex(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                errors.Add($"Schedules:{name}: unknown schedule (known: {string.Join(", ", SeedDefaults.Select(r => r.Name))})");
                continue;
            }

            if (BackupSchedule.ValidateCron(name, cron) is { } error)
            {
                errors.Add(error);
                continue;
            }

            rows[index] = rows[index] with { Cron = cron! };
        }

        return errors.Count > 0
            ? throw new ArgumentException(string.Join(Environment.NewLine, errors))
            : new ScheduleTable(rows);
    }

    /// <summary>
    /// A deterministic instance id per occurrence, so two schedulers (or a retried timer) firing the same
    /// occurrence start one orchestration, not two.
    /// </summary>
    public static string InstanceIdFor(string scheduleName, DateTime occurrenceUtc) =>
        $"schedule-{scheduleName}-{occurrenceUtc:yyyyMMdd'T'HHmmss'Z'}";
}
