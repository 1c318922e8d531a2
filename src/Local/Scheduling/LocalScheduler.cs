using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Local.Scheduling;

/// <summary>
/// Fires the scheduled runbooks in `dr serve`, as the Functions app's timer triggers do in Azure: same
/// settings (Schedules:{Name}), same NCRONTAB-with-seconds parser, same instance id per occurrence, so a
/// second scheduler or a restart never starts an occurrence twice.
/// </summary>
public sealed class LocalScheduler(
    IConfiguration configuration, IInstanceStarter starter, StateDirectory state, TimeProvider clock, ILogger<LocalScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!RunbookRegistry.SchedulesEnabled(configuration))
        {
            logger.LogInformation("Schedules are off ({Key} is false): nothing starts by the clock", RunbookRegistry.SchedulesEnabledKey);
            return;
        }

        var rows = RunbookRegistry.LoadSchedules(configuration).Rows;
        var ledger = new ScheduleLedger(state.Path);
        var lastFired = ledger.Load();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var row in rows)
        {
            if (!lastFired.TryGetValue(row.Name, out var last))
            {
                // First start: nothing was missed; start counting from here.
                ledger.Record(row.Name, row.LatestOccurrenceAtOrBeforeUtc(now) ?? now);
            }
            else if (row.MissedOccurrenceUtc(last, now) is { } missed)
            {
                logger.LogWarning("Schedule {Name}: occurrence {Missed:O} was missed while no scheduler ran; starting it now", row.Name, missed);
                await FireAsync(row, missed, ledger);
            }
        }

        var next = rows.ToDictionary(r => r, r => r.NextOccurrenceUtc(now));
        while (!stoppingToken.IsCancellationRequested && next.Count > 0)
        {
            var (row, due) = next.MinBy(kv => kv.Value);
            var wait = due - clock.GetUtcNow().UtcDateTime;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, stoppingToken);
            }

            await FireAsync(row, due, ledger);
            next[row] = row.NextOccurrenceUtc(due);
        }
    }

    private async Task FireAsync(RunbookSchedule row, DateTime occurrenceUtc, ScheduleLedger ledger)
    {
        try
        {
            var outcome = await ScheduledOccurrence.StartAsync(starter, row.Name, occurrenceUtc, configuration);
            logger.LogInformation(outcome.Started ? "Schedule {Name} started {InstanceId}" : "Schedule {Name}: occurrence {InstanceId} was already started",
                row.Name, outcome.InstanceId);
            ledger.Record(row.Name, occurrenceUtc);
        }
        catch (Exception e)
        {
            // A failed start must not stop the other schedules; the next occurrence tries again.
            logger.LogError(e, "Schedule {Name}: could not start occurrence {Occurrence:O}", row.Name, occurrenceUtc);
        }
    }
}
