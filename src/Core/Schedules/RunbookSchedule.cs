using NCrontab;

namespace CausalEval.Dr.Core.Schedules;

/// <summary>
/// When a runbook runs by itself. <see cref="Cron"/> is NCRONTAB with seconds (six fields), the format of
/// Azure Functions timer triggers, so the same string drives both hosts.
/// </summary>
public sealed record RunbookSchedule(string Name, string Cron)
{
    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };

    /// <summary>The configuration key both hosts read and the Functions timer binds to: <c>%Schedules:{Name}%</c>.</summary>
    public string SettingKey => $"Schedules:{Name}";

    public DateTime NextOccurrenceUtc(DateTime afterUtc) =>
        CrontabSchedule.Parse(Cron, WithSeconds).GetNextOccurrence(afterUtc);

    /// <summary>
    /// The occurrence a timer that fires now (possibly a little late) stands for: the latest one at or
    /// before <paramref name="nowUtc"/>, looking back at most 8 days (the longest seed period is a week).
    /// </summary>
    public DateTime? LatestOccurrenceAtOrBeforeUtc(DateTime nowUtc) =>
        CrontabSchedule.Parse(Cron, WithSeconds)
            .GetNextOccurrences(nowUtc.AddDays(-8), nowUtc.AddSeconds(1))
            .Cast<DateTime?>()
            .LastOrDefault();

    /// <summary>
    /// The time between the two latest occurrences at or before <paramref name="nowUtc"/> (looking back up to 400 days):
    /// how often the runbook runs now, for "is its last pass recent enough". Null when it ran less than twice in that time.
    /// </summary>
    public TimeSpan? PeriodAtUtc(DateTime nowUtc)
    {
        var occurrences = CrontabSchedule.Parse(Cron, WithSeconds).GetNextOccurrences(nowUtc.AddDays(-400), nowUtc.AddSeconds(1)).TakeLast(2).ToList();
        return occurrences.Count == 2 ? occurrences[1] - occurrences[0] : null;
    }

    /// <summary>
    /// The occurrence missed while no scheduler ran: the latest one at or before <paramref name="nowUtc"/>
    /// that is later than the last one fired. Only that one is caught up (like a Functions timer that is
    /// past due), not every missed occurrence: one fresh backup is what a missed schedule needs.
    /// </summary>
    public DateTime? MissedOccurrenceUtc(DateTime lastFiredUtc, DateTime nowUtc) =>
        LatestOccurrenceAtOrBeforeUtc(nowUtc) is { } latest && latest > lastFiredUtc ? latest : null;

    /// <summary>Returns a message naming the problem, or null when the expression parses.</summary>
    public static string? ValidateCron(string name, string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            return $"Schedules:{name}: empty schedule";
        }

        return CrontabSchedule.TryParse(cron, WithSeconds) is null
            ? $"Schedules:{name}: '{cron}' is not an NCRONTAB expression with seconds (six fields, e.g. '0 0 */6 * * *')"
            : null;
    }
}
