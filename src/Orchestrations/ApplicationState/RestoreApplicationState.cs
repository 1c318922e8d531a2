using CausalEval.Dr.Activities.ApplicationState;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.ApplicationState;

public sealed record RestoreApplicationStateInput(string BackupId);

/// <summary>Runbook: restore the application state (sessions, queue, model cache) from one backup.</summary>
public sealed class RestoreApplicationState : TaskOrchestrator<RestoreApplicationStateInput, ApplicationStateRestored>
{
    public override async Task<ApplicationStateRestored> RunAsync(TaskOrchestrationContext context, RestoreApplicationStateInput input)
    {
        if (string.IsNullOrWhiteSpace(input?.BackupId))
        {
            throw new ArgumentException("backupId is required (see `dr backup list`)");
        }

        return await context.CallActivityAsync<ApplicationStateRestored>(
            nameof(ApplyApplicationStateBackup), new ApplyApplicationStateBackupInput(input.BackupId), StepRetry.Default);
    }
}
