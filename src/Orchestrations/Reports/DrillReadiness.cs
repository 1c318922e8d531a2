using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Orchestrations.Registry;

namespace CausalEval.Dr.Orchestrations.Reports;

/// <summary>
/// Is a drill's proof recent? Its last pass, and how old it is against its schedule: ready while the last pass is no
/// older than one schedule period plus a day's grace (a monthly test passed 20 days ago is ready; 40 days ago, overdue).
/// </summary>
/// <param name="PeriodDays">The time between the schedule's two latest occurrences.</param>
public sealed record DrillReadiness(string Runbook, string Cron, DateTimeOffset? LastPassed, string? LastPassedDrill, double? AgeDays, double? PeriodDays,
    DateTimeOffset? LastRun, bool? LastRunPassed)
{
    public bool Ready => AgeDays is { } age && PeriodDays is { } period && age <= period + 1;

    /// <summary>Every scheduled drill's readiness at <paramref name="now"/>, from the drill index (<see cref="DrillReports.ListAsync"/>).</summary>
    public static IReadOnlyList<DrillReadiness> Of(IReadOnlyList<DrillSummary> drills, ScheduleTable schedules, DateTimeOffset now) =>
        RunbookRegistry.All.Where(r => r.Category == RunbookCategory.Drill && r.Schedule is not null).Select(r =>
        {
            var schedule = schedules[r.Schedule!.Name];
            var mine = drills.Where(d => d.Runbook == r.Name).OrderByDescending(d => d.EndedAt).ToList();
            var passed = mine.FirstOrDefault(d => d.Passed);
            var endedAt = passed is null ? (DateTimeOffset?)null : new DateTimeOffset(DateTime.SpecifyKind(passed.EndedAt, DateTimeKind.Utc));
            return new DrillReadiness(r.Name, schedule.Cron, endedAt, passed?.Drill, endedAt is { } at ? Math.Round((now - at).TotalDays, 3) : null,
                schedule.PeriodAtUtc(now.UtcDateTime)?.TotalDays,
                mine.Count == 0 ? null : new DateTimeOffset(DateTime.SpecifyKind(mine[0].EndedAt, DateTimeKind.Utc)), mine.FirstOrDefault()?.Passed);
        }).ToList();
}
