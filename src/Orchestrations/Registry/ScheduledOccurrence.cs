using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations.Instances;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Registry;

/// <summary>What a scheduler does for one occurrence of a schedule, on either host: start its runbook once, under the occurrence's id.</summary>
public static class ScheduledOccurrence
{
    public sealed record Outcome(string InstanceId, bool Started);

    /// <summary>The start refuses an id that exists: one instance per occurrence, however many schedulers fire for it.</summary>
    public static async Task<Outcome> StartAsync(IInstanceStarter starter, string scheduleName, DateTime occurrenceUtc, IConfiguration configuration)
    {
        var runbook = RunbookRegistry.ForSchedule(scheduleName);
        var instanceId = ScheduleTable.InstanceIdFor(scheduleName, occurrenceUtc);
        var started = await starter.TryStartAsync(runbook.Name, RunbookRegistry.StartVersion(runbook, configuration), instanceId, runbook.ScheduledInput!());
        return new(instanceId, started);
    }

    /// <summary>
    /// For a timer that fired: the occurrence is the schedule's latest at or before <paramref name="nowUtc"/> (a timer
    /// fires a little late, never early), so every host that fires for it computes the same id.
    /// </summary>
    public static Task<Outcome> StartLatestAsync(IInstanceStarter starter, string scheduleName, DateTime nowUtc, IConfiguration configuration) =>
        StartAsync(starter, scheduleName, RunbookRegistry.LoadSchedules(configuration)[scheduleName].LatestOccurrenceAtOrBeforeUtc(nowUtc) ?? nowUtc,
            configuration);
}
