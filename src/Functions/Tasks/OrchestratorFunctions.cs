using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.Wal;
using CausalEval.Dr.Orchestrations.ApplicationState;
using CausalEval.Dr.Orchestrations.Wal;
using CausalEval.Dr.Orchestrations.ConfigurationBackup;
using CausalEval.Dr.Orchestrations.DatabaseBackup;
using CausalEval.Dr.Orchestrations.FileBackup;
using CausalEval.Dr.Orchestrations.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>One [OrchestrationTrigger] per orchestrator in DrTasks.Orchestrators, named after the class.</summary>
public static class OrchestratorFunctions
{
    [Function(nameof(BackupConfiguration))]
    public static Task<BackupConfigurationResult> RunBackupConfiguration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupConfiguration().RunAsync(context, context.GetInput<BackupConfigurationInput?>());

    [Function(nameof(BackupDatabase))]
    public static Task<BackupDatabaseResult> RunBackupDatabase([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupDatabase().RunAsync(context, context.GetInput<BackupDatabaseInput?>());

    [Function(nameof(BackupApplicationState))]
    public static Task<BackupApplicationStateResult> RunBackupApplicationState([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupApplicationState().RunAsync(context, context.GetInput<BackupApplicationStateInput?>());

    [Function(nameof(BackupMetrics))]
    public static Task<BackupFilesResult> RunBackupMetrics([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupMetrics().RunAsync(context, context.GetInput<BackupFilesInput?>());

    [Function(nameof(BackupLogs))]
    public static Task<BackupFilesResult> RunBackupLogs([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupLogs().RunAsync(context, context.GetInput<BackupFilesInput?>());

    [Function(nameof(RestoreApplicationState))]
    public static Task<ApplicationStateRestored> RunRestoreApplicationState([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RestoreApplicationState().RunAsync(context, context.GetInput<RestoreApplicationStateInput>()!);

    [Function(nameof(CheckWalArchive))]
    public static Task<WalArchiveFresh> RunCheckWalArchive([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new CheckWalArchive().RunAsync(context, context.GetInput<CheckWalArchiveInput?>());

    [Function(nameof(DiagnosticStepChain))]
    public static Task<DiagnosticStepChainResult> RunDiagnosticStepChain([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticStepChain().RunAsync(context, context.GetInput<DiagnosticStepChainInput>() ?? new());

    [Function(nameof(DiagnosticApproval))]
    public static Task<DiagnosticApprovalResult> RunDiagnosticApproval([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticApproval().RunAsync(context, context.GetInput<DiagnosticApprovalInput>() ?? new());

    [Function(nameof(DiagnosticCountdown))]
    public static Task<DiagnosticCountdownResult> RunDiagnosticCountdown([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticCountdown().RunAsync(context, context.GetInput<DiagnosticCountdownInput>() ?? new());
}
