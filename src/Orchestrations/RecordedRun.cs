using CausalEval.Dr.Activities.Runs;
using CausalEval.Dr.Core.Backups;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations;

/// <summary>
/// Runs a backup runbook's steps and records the run, success or failure, for the backup success rate.
/// A failure is recorded and then rethrown: the orchestration still fails as it should.
/// </summary>
public static class RecordedRun
{
    public static async Task<T> RunAsync<T>(TaskOrchestrationContext context, string kind, string runbook, string backupId, string trigger,
        Func<Task<(T Result, long? SizeBytes)>> steps)
    {
        var started = context.CurrentUtcDateTime;
        T result;
        long? size;
        try
        {
            (result, size) = await steps();
        }
        catch (TaskFailedException e)
        {
            await RecordAsync(context, new BackupRunRecord(kind, runbook, context.InstanceId, backupId, trigger, started, context.CurrentUtcDateTime, false, null,
                e.FailureDetails.ErrorMessage));
            throw;
        }

        await RecordAsync(context, new BackupRunRecord(kind, runbook, context.InstanceId, backupId, trigger, started, context.CurrentUtcDateTime, true, size, null));
        return result;
    }

    private static Task RecordAsync(TaskOrchestrationContext context, BackupRunRecord run) =>
        context.CallActivityAsync<bool>(nameof(RecordBackupRun), run, StepRetry.Default);
}
