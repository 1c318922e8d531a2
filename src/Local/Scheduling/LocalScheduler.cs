using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Orchestrations.Registry;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
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
    IConfiguration configuration, LocalTaskHub hub, StateDirectory state, TimeProvider clock, ILogger<LocalScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
        var runbook = RunbookRegistry.ForSchedule(row.Name);
        var instanceId = ScheduleTable.InstanceIdFor(row.Name, occurrenceUtc);
        try
        {
            await hub.Client.CreateOrchestrationInstanceAsync(runbook.Name, RunbookRegistry.StartVersion(runbook, configuration), instanceId,
                runbook.ScheduledInput!(), null, Enum.GetValues<OrchestrationStatus>());
            logger.LogInformation("Schedule {Name} started {Runbook} as {InstanceId}", row.Name, runbook.Name, instanceId);
            ledger.Record(row.Name, occurrenceUtc);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            logger.LogInformation("Schedule {Name}: occurrence {InstanceId} was already started", row.Name, instanceId);
            ledger.Record(row.Name, occurrenceUtc);
        }
        catch (Exception e)
        {
            // A failed start must not stop the other schedules; the next occurrence tries again.
            logger.LogError(e, "Schedule {Name}: could not start {InstanceId}", row.Name, instanceId);
        }
    }
}
