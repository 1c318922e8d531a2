using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.ApplicationState;

public sealed record RestoreApplicationStateInput(string BackupId, string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() => string.IsNullOrWhiteSpace(BackupId) ? "backupId is required (see `dr backup list`)" : null;
}

/// <summary>Runbook: make the application state (sessions, queue, model cache) equal to one backup.</summary>
public sealed class RestoreApplicationState : Runbook<RestoreApplicationStateInput, ApplicationStateRestored>
{
    protected override async Task<ApplicationStateRestored> RunStepsAsync(RunbookRun run, RestoreApplicationStateInput input)
    {
        run.Subject = input.BackupId;
        var restored = await run.StepAsync<ApplicationStateRestored>("restore", nameof(ApplyApplicationStateBackup),
            new ApplyApplicationStateBackupInput(input.BackupId), StepOptions.Retried);
        run.Report("sessions", restored.Sessions);
        run.Report("queueLength", restored.QueueLength);
        return restored;
    }
}
