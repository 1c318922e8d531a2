using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Core.Schedules;

/// <summary>
/// The schedules in force: each scheduled runbook's default (declared with the runbook), overridden by
/// configuration (<c>Schedules:{Name}</c> = cron). Both hosts read the same keys.
/// </summary>
public sealed class ScheduleTable
{
    private ScheduleTable(IReadOnlyList<RunbookSchedule> rows) => Rows = rows;

    public IReadOnlyList<RunbookSchedule> Rows { get; }

    public RunbookSchedule this[string name] =>
        Rows.FirstOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"no schedule named '{name}'");

    /// <summary>
    /// Applies overrides (name → cron) to <paramref name="defaults"/>. Unknown names and unparsable
    /// expressions are errors, all named at once: a typo in a schedule must not silently leave a backup unscheduled.
    /// </summary>
    public static ScheduleTable WithOverrides(IReadOnlyList<RunbookSchedule> defaults, IReadOnlyDictionary<string, string?> overrides)
    {
        var errors = new List<string>();
        var rows = defaults.ToList();
        foreach (var (name, cron) in overrides)
        {
            var index = rows.FindIndex(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                errors.Add($"Schedules:{name}: unknown schedule (known: {string.Join(", ", defaults.Select(r => r.Name))})");
                continue;
            }

            if (RunbookSchedule.ValidateCron(name, cron) is { } error)
            {
                errors.Add(error);
                continue;
            }

            rows[index] = rows[index] with { Cron = cron! };
        }

        return errors.Count > 0
            ? throw new DrConfigurationException(string.Join(Environment.NewLine, errors))
            : new ScheduleTable(rows);
    }

    /// <summary>
    /// A deterministic instance id per occurrence, so two schedulers (or a retried timer) firing the same
    /// occurrence start one orchestration, not two.
    /// </summary>
    /// <summary>The prefix of every scheduled occurrence's id: reserved for the schedulers.</summary>
    public const string InstancePrefix = "schedule-";

    public static string InstanceIdFor(string scheduleName, DateTime occurrenceUtc) =>
        $"{InstancePrefix}{scheduleName}-{occurrenceUtc:yyyyMMdd'T'HHmmss'Z'}";
}
