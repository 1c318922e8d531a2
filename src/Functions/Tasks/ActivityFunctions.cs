using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.ConfigurationBackup;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Activities.Diagnostics;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Activities.Runs;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Activities.Wal;
using Microsoft.Azure.Functions.Worker;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>One [ActivityTrigger] per activity in DrTasks.Activities, named after the class.</summary>
public static class ActivityFunctions
{
    [Function(nameof(SnapshotConfiguration))]
    public static Task<ConfigurationSnapshot> RunSnapshotConfiguration([ActivityTrigger] SnapshotConfigurationInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SnapshotConfiguration, SnapshotConfigurationInput, ConfigurationSnapshot>(function, input);

    [Function(nameof(TakeBaseBackup))]
    public static Task<BaseBackupTaken> RunTakeBaseBackup([ActivityTrigger] TakeBaseBackupInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<TakeBaseBackup, TakeBaseBackupInput, BaseBackupTaken>(function, input);

    [Function(nameof(SnapshotApplicationState))]
    public static Task<ApplicationStateSnapshot> RunSnapshotApplicationState([ActivityTrigger] SnapshotApplicationStateInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SnapshotApplicationState, SnapshotApplicationStateInput, ApplicationStateSnapshot>(function, input);

    [Function(nameof(ApplyApplicationStateBackup))]
    public static Task<ApplicationStateRestored> RunApplyApplicationStateBackup([ActivityTrigger] ApplyApplicationStateBackupInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyApplicationStateBackup, ApplyApplicationStateBackupInput, ApplicationStateRestored>(function, input);

    [Function(nameof(SwitchWalAndAwaitArchive))]
    public static Task<WalArchiveFresh> RunSwitchWalAndAwaitArchive([ActivityTrigger] SwitchWalAndAwaitArchiveInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SwitchWalAndAwaitArchive, SwitchWalAndAwaitArchiveInput, WalArchiveFresh>(function, input);

    [Function(nameof(ApplyRetention))]
    public static Task<RetentionOutcome> RunApplyRetention([ActivityTrigger] ApplyRetentionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyRetention, ApplyRetentionInput, RetentionOutcome>(function, input);

    [Function(nameof(SnapshotFiles))]
    public static Task<FileSetSnapshot> RunSnapshotFiles([ActivityTrigger] SnapshotFilesInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SnapshotFiles, SnapshotFilesInput, FileSetSnapshot>(function, input);

    [Function(nameof(ApplyWalRetention))]
    public static Task<WalRetentionOutcome> RunApplyWalRetention([ActivityTrigger] ApplyWalRetentionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyWalRetention, ApplyWalRetentionInput, WalRetentionOutcome>(function, input);

    [Function(nameof(RecordBackupRun))]
    public static Task<bool> RunRecordBackupRun([ActivityTrigger] BackupRunRecord input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RecordBackupRun, BackupRunRecord, bool>(function, input);

    [Function(nameof(RecordDiagnosticStep))]
    public static Task<int> RunRecordDiagnosticStep([ActivityTrigger] DiagnosticStepInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RecordDiagnosticStep, DiagnosticStepInput, int>(function, input);
}
