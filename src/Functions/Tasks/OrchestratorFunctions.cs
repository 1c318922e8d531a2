using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.Wal;
using CausalEval.Dr.Orchestrations.ApplicationState;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Compute;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Diagnostics;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Restores;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Switchover;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>One [OrchestrationTrigger] per runbook in the registry, named after the class.</summary>
public static class OrchestratorFunctions
{
    [Function(nameof(BackupDatabase))]
    public static Task<BackupDatabaseResult> RunBackupDatabase([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupDatabase().RunAsync(context, context.GetInput<BackupDatabaseInput?>());

    [Function(nameof(CheckWalArchive))]
    public static Task<WalArchiveFresh> RunCheckWalArchive([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new CheckWalArchive().RunAsync(context, context.GetInput<CheckWalArchiveInput?>());

    [Function(nameof(BackupConfiguration))]
    public static Task<SnapshotBackupResult> RunBackupConfiguration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupConfiguration().RunAsync(context, context.GetInput<SnapshotBackupInput?>());

    [Function(nameof(BackupApplicationState))]
    public static Task<SnapshotBackupResult> RunBackupApplicationState([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupApplicationState().RunAsync(context, context.GetInput<SnapshotBackupInput?>());

    [Function(nameof(BackupMetrics))]
    public static Task<SnapshotBackupResult> RunBackupMetrics([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupMetrics().RunAsync(context, context.GetInput<SnapshotBackupInput?>());

    [Function(nameof(BackupLogs))]
    public static Task<SnapshotBackupResult> RunBackupLogs([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new BackupLogs().RunAsync(context, context.GetInput<SnapshotBackupInput?>());

    [Function(nameof(RestoreApplicationState))]
    public static Task<RestoreApplicationStateResult> RunRestoreApplicationState([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RestoreApplicationState().RunAsync(context, context.GetInput<RestoreApplicationStateInput>()!);

    [Function(nameof(RecoverRegion))]
    public static Task<RecoverRegionResult> RunRecoverRegion([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RecoverRegion().RunAsync(context, context.GetInput<RecoverRegionInput>()!);

    [Function(nameof(RollingRestart))]
    public static Task<RollingRestartResult> RunRollingRestart([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RollingRestart().RunAsync(context, context.GetInput<RollingRestartInput?>() ?? new RollingRestartInput());

    [Function(nameof(RestoreBackupToNode))]
    public static Task<AgentJob> RunRestoreBackupToNode([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RestoreBackupToNode().RunAsync(context, context.GetInput<RestoreBackupToNodeInput>()!);

    [Function(nameof(RecoverDatabase))]
    public static Task<RecoverDatabaseResult> RunRecoverDatabase([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RecoverDatabase().RunAsync(context, context.GetInput<RecoverDatabaseInput>()!);

    [Function(nameof(DiagnosticStepChain))]
    public static Task<DiagnosticStepChainResult> RunDiagnosticStepChain([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticStepChain().RunAsync(context, context.GetInput<DiagnosticStepChainInput>() ?? new());

    [Function(nameof(DiagnosticApproval))]
    public static Task<ApprovalOutcome> RunDiagnosticApproval([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticApproval().RunAsync(context, context.GetInput<DiagnosticApprovalInput?>());

    [Function(nameof(DiagnosticCountdown))]
    public static Task<DiagnosticCountdownResult> RunDiagnosticCountdown([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticCountdown().RunAsync(context, context.GetInput<DiagnosticCountdownInput>() ?? new());

    [Function(nameof(DiagnosticVersioned))]
    public static Task<DiagnosticVersionedResult> RunDiagnosticVersioned([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DiagnosticVersioned().RunAsync(context, context.GetInput<DiagnosticVersionedInput?>());

    [Function(nameof(Orchestrations.Failover.Failover))]
    public static Task<FailoverResult> RunFailover([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new Orchestrations.Failover.Failover().RunAsync(context, context.GetInput<FailoverInput>()!);

    [Function(nameof(Orchestrations.Switchover.Switchover))]
    public static Task<SwitchoverResult> RunSwitchover([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new Orchestrations.Switchover.Switchover().RunAsync(context, context.GetInput<SwitchoverInput>()!);

    [Function(nameof(Orchestrations.Reprotect.Reprotect))]
    public static Task<ReprotectResult> RunReprotect([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new Orchestrations.Reprotect.Reprotect().RunAsync(context, context.GetInput<ReprotectInput>()!);

    [Function(nameof(Failback))]
    public static Task<FailbackResult> RunFailback([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new Failback().RunAsync(context, context.GetInput<FailbackInput>()!);

    [Function(nameof(HealthMonitor))]
    public static Task<HealthMonitorInput> RunHealthMonitor([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new HealthMonitor().RunAsync(context, context.GetInput<HealthMonitorInput?>());
}
