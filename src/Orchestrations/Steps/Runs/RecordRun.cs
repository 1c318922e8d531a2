using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.Steps.Runs;

/// <summary>
/// Stores a run's record (success or failure) in the object store, its step times taken from the instance
/// history when the host can read it, emits it as telemetry (<see cref="RunTelemetry"/>), then prunes records older than <c>Retention:RunRecords:KeepDays</c>
/// (default 400). Idempotent: the same run writes the same objects. Returns the record's key.
/// </summary>
public sealed class RecordRun(RunRecordStore runs, IInstanceHistory history, IConfiguration configuration, ILogger<RecordRun> logger)
    : DrActivity<RecordRun, RunRecord, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, RunRecord input)
    {
        var record = input;
        try
        {
            // The steps are all finished: the episode that scheduled this activity was stored before it ran.
            if (await history.ReadAsync(input.InstanceId) is { } events)
            {
                record = input with { Steps = StepTimeline.FromHistory(input.Steps, events), Clock = RunRecord.HistoryClock };
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Run {InstanceId}: history unreadable; the record keeps the orchestration's clock", input.InstanceId);
        }

        var key = await runs.WriteAsync(record);
        RunTelemetry.Emit(record);
        var keepDays = configuration.GetValue<double?>("Retention:RunRecords:KeepDays");
        var pruned = await runs.PruneAsync(input.EndedAt, keepDays is { } days ? TimeSpan.FromDays(days) : RunRecordStore.DefaultKeep);
        if (pruned > 0)
        {
            logger.LogInformation("Run records: {Count} older than the retention removed", pruned);
        }

        return key;
    }
}
