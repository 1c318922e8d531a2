using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Azure.Functions.Worker;
using CausalEval.Dr.Orchestrations.Instances;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Functions.Timers;

/// <summary>
/// Timer triggers bound to the scheduled runbooks' settings (%Schedules:{Name}%), the same keys `dr serve`
/// fires. Attribute binding needs one method per schedule: they are generated from the registry's scheduled rows
/// (src/Generators). Each occurrence starts one instance with a deterministic id.
/// </summary>
public sealed partial class ScheduledRunbookTimers(IConfiguration configuration, ILogger<ScheduledRunbookTimers> logger)
{
    private async Task StartOccurrenceAsync(string scheduleName, DurableTaskClient client)
    {
        if (!RunbookRegistry.SchedulesEnabled(configuration))
        {
            return;
        }

        var started = await ScheduledOccurrence.StartLatestAsync(new DurableClientInstanceStarter(client), scheduleName, DateTime.UtcNow, configuration);
        logger.LogInformation(started.Started ? "Schedule {Name} started {InstanceId}" : "Schedule {Name}: occurrence {InstanceId} was already started",
            scheduleName, started.InstanceId);
    }
}
