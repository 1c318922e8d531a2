using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="ConfigurationBackupId">Also put back the configuration files of this configuration backup.</param>
public sealed record RestoreApplicationStateInput(string BackupId, string? ConfigurationBackupId = null, string? Trigger = null)
    : ITriggeredInput, IValidatedInput
{
    public string? Validate() => string.IsNullOrWhiteSpace(BackupId) ? "backupId is required (see `dr backup list`)"
        : Core.Requests.DrIds.BackupIdProblem(BackupId) is { } bad ? $"backupId: {bad}"
        : ConfigurationBackupId is { } named && Core.Requests.DrIds.BackupIdProblem(named) is { } badConfiguration
            ? $"configurationBackupId: {badConfiguration}"
        : ConfigurationBackupId is { } c && string.IsNullOrWhiteSpace(c) ? "configurationBackupId: empty (leave it out, or name a configuration backup)"
        : null;
}

public sealed record RestoreApplicationStateResult(ApplicationStateRestored State, FileSetRestored? Configuration);

/// <summary>Runbook: make the application state (sessions, queue, model cache) equal to one backup, and the configuration files to another.</summary>
public sealed class RestoreApplicationState : Runbook<RestoreApplicationStateInput, RestoreApplicationStateResult>
{
    protected override async Task<RestoreApplicationStateResult> RunStepsAsync(RunbookRun run, RestoreApplicationStateInput input)
    {
        run.Subject = input.BackupId;
        var restored = await run.StepAsync("restore", ApplyApplicationStateBackup.Ref,
            new ApplyApplicationStateBackupInput(input.BackupId), StepOptions.Retried);
        run.Report("sessions", restored.Sessions);
        run.Report("expiredSessions", restored.ExpiredSessions);
        run.Report("queueLength", restored.QueueLength);
        run.Report("strayFilesRemoved", restored.StrayFilesRemoved);

        FileSetRestored? configuration = null;
        if (input.ConfigurationBackupId is { } configurationBackup)
        {
            configuration = await run.StepAsync("restore configuration", ApplyFileSetBackup.Ref,
                new ApplyFileSetBackupInput(BackupKind.Configuration, configurationBackup), StepOptions.Retried);
            run.Report("configurationFiles", configuration.Files);
        }

        return new(restored, configuration);
    }
}
