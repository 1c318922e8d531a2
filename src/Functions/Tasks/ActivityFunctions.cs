using CausalEval.Dr.Activities;
using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Activities.Diagnostics;
using CausalEval.Dr.Activities.Failover;
using CausalEval.Dr.Activities.Compute;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Activities.Monitor;
using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Adapters.Redis;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Activities.Nodes;
using CausalEval.Dr.Activities.Recovery;
using CausalEval.Dr.Activities.Reprotect;
using CausalEval.Dr.Activities.Switchover;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Activities.Runs;
using CausalEval.Dr.Activities.Wal;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

using CausalEval.Dr.Orchestrations.Instances;

namespace CausalEval.Dr.Functions.Tasks;

/// <summary>One [ActivityTrigger] per activity in DrTasks.Activities, named after the class.</summary>
public static class ActivityFunctions
{
    [Function(nameof(TakeBaseBackup))]
    public static Task<BaseBackupTaken> RunTakeBaseBackup([ActivityTrigger] TakeBaseBackupInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<TakeBaseBackup, TakeBaseBackupInput, BaseBackupTaken>(function, input);

    [Function(nameof(SnapshotFiles))]
    public static Task<SnapshotTaken> RunSnapshotFiles([ActivityTrigger] SnapshotInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SnapshotFiles, SnapshotInput, SnapshotTaken>(function, input);

    [Function(nameof(SnapshotApplicationState))]
    public static Task<SnapshotTaken> RunSnapshotApplicationState([ActivityTrigger] SnapshotInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SnapshotApplicationState, SnapshotInput, SnapshotTaken>(function, input);

    [Function(nameof(ApplyFileSetBackup))]
    public static Task<FileSetRestored> RunApplyFileSetBackup([ActivityTrigger] ApplyFileSetBackupInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyFileSetBackup, ApplyFileSetBackupInput, FileSetRestored>(function, input);

    [Function(nameof(ApplyApplicationStateBackup))]
    public static Task<ApplicationStateRestored> RunApplyApplicationStateBackup([ActivityTrigger] ApplyApplicationStateBackupInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyApplicationStateBackup, ApplyApplicationStateBackupInput, ApplicationStateRestored>(function, input);

    [Function(nameof(SwitchWalAndAwaitArchive))]
    public static Task<WalArchiveFresh> RunSwitchWalAndAwaitArchive([ActivityTrigger] SwitchWalAndAwaitArchiveInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SwitchWalAndAwaitArchive, SwitchWalAndAwaitArchiveInput, WalArchiveFresh>(function, input);

    [Function(nameof(ApplyRetention))]
    public static Task<RetentionOutcome> RunApplyRetention([ActivityTrigger] ApplyRetentionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyRetention, ApplyRetentionInput, RetentionOutcome>(function, input);

    [Function(nameof(ApplyWalRetention))]
    public static Task<WalRetentionOutcome> RunApplyWalRetention([ActivityTrigger] ApplyWalRetentionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ApplyWalRetention, ApplyWalRetentionInput, WalRetentionOutcome>(function, input);

    /// <summary>The durable client binding gives the record the instance history (the engine's own step times).</summary>
    [Function(nameof(RecordRun))]
    public static Task<string> RunRecordRun([ActivityTrigger] RunRecord input, [DurableClient] DurableTaskClient client, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RecordRun, RunRecord, string>(function, input, new DurableClientHistory(client));

    [Function(nameof(ReadNodeStatus))]
    public static Task<NodeStatus> RunReadNodeStatus([ActivityTrigger] NodeInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ReadNodeStatus, NodeInput, NodeStatus>(function, input);

    [Function(nameof(FindServiceInstances))]
    public static Task<RegionInstances> RunFindServiceInstances([ActivityTrigger] FindServiceInstancesInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<FindServiceInstances, FindServiceInstancesInput, RegionInstances>(function, input);

    [Function(nameof(RestartServiceInstance))]
    public static Task<InstanceRestarted> RunRestartServiceInstance([ActivityTrigger] ServiceInstanceInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RestartServiceInstance, ServiceInstanceInput, InstanceRestarted>(function, input);

    [Function(nameof(CheckInstanceHealth))]
    public static Task<InstanceHealthy> RunCheckInstanceHealth([ActivityTrigger] CheckInstanceHealthInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<CheckInstanceHealth, CheckInstanceHealthInput, InstanceHealthy>(function, input);

    [Function(nameof(PlanRegionRecovery))]
    public static Task<RegionRecoveryPlan> RunPlanRegionRecovery([ActivityTrigger] PlanRegionRecoveryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PlanRegionRecovery, PlanRegionRecoveryInput, RegionRecoveryPlan>(function, input);

    [Function(nameof(ProvisionRegion))]
    public static Task<RegionProvisioned> RunProvisionRegion([ActivityTrigger] RegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ProvisionRegion, RegionInput, RegionProvisioned>(function, input);

    [Function(nameof(HoldFailover))]
    public static Task<FailoverHold?> RunHoldFailover([ActivityTrigger] HoldFailoverInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<HoldFailover, HoldFailoverInput, FailoverHold?>(function, input);

    [Function(nameof(PlanReplace))]
    public static Task<ReplacePlan> RunPlanReplace([ActivityTrigger] PlanReplaceInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PlanReplace, PlanReplaceInput, ReplacePlan>(function, input);

    [Function(nameof(PlanRecovery))]
    public static Task<RecoveryPlan> RunPlanRecovery([ActivityTrigger] PlanRecoveryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PlanRecovery, PlanRecoveryInput, RecoveryPlan>(function, input);

    [Function(nameof(FenceNode))]
    public static Task<NodeStatus> RunFenceNode([ActivityTrigger] FenceNodeInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<FenceNode, FenceNodeInput, NodeStatus>(function, input);

    [Function(nameof(PromoteNode))]
    public static Task<NodeStatus> RunPromoteNode([ActivityTrigger] NodeInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PromoteNode, NodeInput, NodeStatus>(function, input);

    [Function(nameof(StartNodeJob))]
    public static Task<AgentJob> RunStartNodeJob([ActivityTrigger] NodeJobInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<StartNodeJob, NodeJobInput, AgentJob>(function, input);

    [Function(nameof(ReadNodeJob))]
    public static Task<AgentJob> RunReadNodeJob([ActivityTrigger] NodeJobInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ReadNodeJob, NodeJobInput, AgentJob>(function, input);

    [Function(nameof(RecordDiagnosticStep))]
    public static Task<int> RunRecordDiagnosticStep([ActivityTrigger] DiagnosticStepInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RecordDiagnosticStep, DiagnosticStepInput, int>(function, input);

    [Function(nameof(AssessFailover))]
    public static Task<FailoverPlan> RunAssessFailover([ActivityTrigger] AssessFailoverInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<AssessFailover, AssessFailoverInput, FailoverPlan>(function, input);

    [Function(nameof(DrainRegion))]
    public static Task<IReadOnlyList<InstanceDrained>> RunDrainRegion([ActivityTrigger] RegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<DrainRegion, RegionInput, IReadOnlyList<InstanceDrained>>(function, input);

    [Function(nameof(FenceOldPrimary))]
    public static Task<OldPrimaryFenced> RunFenceOldPrimary([ActivityTrigger] FenceOldPrimaryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<FenceOldPrimary, FenceOldPrimaryInput, OldPrimaryFenced>(function, input);

    [Function(nameof(RecordServingPrimary))]
    public static Task<ServingPrimary> RunRecordServingPrimary([ActivityTrigger] RecordServingPrimaryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RecordServingPrimary, RecordServingPrimaryInput, ServingPrimary>(function, input);

    [Function(nameof(PromoteCache))]
    public static Task<CachePromoted?> RunPromoteCache([ActivityTrigger] RegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PromoteCache, RegionInput, CachePromoted?>(function, input);

    [Function(nameof(SwitchDnsRecord))]
    public static Task<DnsRecordSwitched> RunSwitchDnsRecord([ActivityTrigger] SwitchDnsRecordInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<SwitchDnsRecord, SwitchDnsRecordInput, DnsRecordSwitched>(function, input);

    [Function(nameof(ScaleRegion))]
    public static Task<IReadOnlyList<ServiceScaled>> RunScaleRegion([ActivityTrigger] RegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ScaleRegion, RegionInput, IReadOnlyList<ServiceScaled>>(function, input);

    [Function(nameof(FindRunningInstances))]
    public static Task<IReadOnlyList<string>> RunFindRunningInstances([ActivityTrigger] RegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<FindRunningInstances, RegionInput, IReadOnlyList<string>>(function, input);

    [Function(nameof(WarmUpRegion))]
    public static Task<IReadOnlyList<InstanceWarmed>> RunWarmUpRegion([ActivityTrigger] WarmUpRegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<WarmUpRegion, WarmUpRegionInput, IReadOnlyList<InstanceWarmed>>(function, input);

    [Function(nameof(VerifyService))]
    public static Task<ServiceVerified> RunVerifyService([ActivityTrigger] VerifyServiceInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<VerifyService, VerifyServiceInput, ServiceVerified>(function, input);

    [Function(nameof(ProbeServingRegion))]
    public static Task<HealthRound> RunProbeServingRegion([ActivityTrigger] object? input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ProbeServingRegion, object?, HealthRound>(function, input);

    /// <summary>The durable client binding lets the monitor start (or join) the failover.</summary>
    [Function(nameof(StartFailover))]
    public static Task<FailoverStarted> RunStartFailover([ActivityTrigger] StartFailoverInput input, [DurableClient] DurableTaskClient client, FunctionContext function) =>
        FunctionActivityContext.RunAsync<StartFailover, StartFailoverInput, FailoverStarted>(function, input, new DurableClientInstanceStarter(client));

    [Function(nameof(PlanSwitchover))]
    public static Task<SwitchoverPlan> RunPlanSwitchover([ActivityTrigger] PlanSwitchoverInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PlanSwitchover, PlanSwitchoverInput, SwitchoverPlan>(function, input);

    [Function(nameof(StandDownPrimary))]
    public static Task<DemotionToken> RunStandDownPrimary([ActivityTrigger] StandDownPrimaryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<StandDownPrimary, StandDownPrimaryInput, DemotionToken>(function, input);

    [Function(nameof(WaitForDemotionToken))]
    public static Task<NodeStatus> RunWaitForDemotionToken([ActivityTrigger] WaitForDemotionTokenInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<WaitForDemotionToken, WaitForDemotionTokenInput, NodeStatus>(function, input);

    [Function(nameof(ResumeOldPrimary))]
    public static Task<NodeStatus> RunResumeOldPrimary([ActivityTrigger] ResumeOldPrimaryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<ResumeOldPrimary, ResumeOldPrimaryInput, NodeStatus>(function, input);

    [Function(nameof(RejoinOldPrimary))]
    public static Task<NodeStatus> RunRejoinOldPrimary([ActivityTrigger] RejoinOldPrimaryInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<RejoinOldPrimary, RejoinOldPrimaryInput, NodeStatus>(function, input);

    [Function(nameof(UndrainRegion))]
    public static Task<IReadOnlyList<InstanceDrained>> RunUndrainRegion([ActivityTrigger] RegionInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<UndrainRegion, RegionInput, IReadOnlyList<InstanceDrained>>(function, input);

    [Function(nameof(FollowNewCache))]
    public static Task<CacheFollows?> RunFollowNewCache([ActivityTrigger] FollowNewCacheInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<FollowNewCache, FollowNewCacheInput, CacheFollows?>(function, input);

    [Function(nameof(PlanReprotect))]
    public static Task<ReprotectPlan> RunPlanReprotect([ActivityTrigger] PlanReprotectInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<PlanReprotect, PlanReprotectInput, ReprotectPlan>(function, input);

    [Function(nameof(WaitForStreaming))]
    public static Task<NodeStatus> RunWaitForStreaming([ActivityTrigger] WaitForStreamingInput input, FunctionContext function) =>
        FunctionActivityContext.RunAsync<WaitForStreaming, WaitForStreamingInput, NodeStatus>(function, input);
}
