using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Activities.Diagnostics;
using CausalEval.Dr.Activities.Failover;
using CausalEval.Dr.Activities.Compute;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Activities.Monitor;
using CausalEval.Dr.Activities.Nodes;
using CausalEval.Dr.Activities.Recovery;
using CausalEval.Dr.Activities.Reprotect;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Activities.Runs;
using CausalEval.Dr.Activities.Switchover;
using CausalEval.Dr.Activities.Wal;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;

namespace CausalEval.Dr.Orchestrations;

/// <summary>
/// THE task list both hosts take: the orchestrators of the runbook registry and the activities below. The
/// local runtime registers it with <see cref="Register"/>; the Functions app has one [Function] wrapper per
/// entry, and a test fails when the wrappers and this list differ.
/// </summary>
public static class DrTasks
{
    public static IReadOnlyList<Type> Orchestrators { get; } = RunbookRegistry.All.Select(r => r.Orchestrator).ToList();

    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(TakeBaseBackup),
        typeof(SnapshotFiles),
        typeof(ApplyFileSetBackup),
        typeof(SnapshotApplicationState),
        typeof(ApplyApplicationStateBackup),
        typeof(SwitchWalAndAwaitArchive),
        typeof(ApplyRetention),
        typeof(ApplyWalRetention),
        typeof(RecordRun),
        typeof(ReadNodeStatus),
        typeof(FenceNode),
        typeof(PromoteNode),
        typeof(StartNodeJob),
        typeof(ReadNodeJob),
        typeof(RecordDiagnosticStep),
        typeof(AssessFailover),
        typeof(DrainRegion),
        typeof(FenceOldPrimary),
        typeof(RecordServingPrimary),
        typeof(PromoteCache),
        typeof(SwitchDnsRecord),
        typeof(ScaleRegion),
        typeof(FindRunningInstances),
        typeof(WarmUpRegion),
        typeof(VerifyService),
        typeof(ProbeServingRegion),
        typeof(StartFailover),
        typeof(PlanRecovery),
        typeof(PlanReplace),
        typeof(HoldFailover),
        typeof(PlanRegionRecovery),
        typeof(ProvisionRegion),
        typeof(FindServiceInstances),
        typeof(RestartServiceInstance),
        typeof(CheckInstanceHealth),
        typeof(PlanSwitchover),
        typeof(StandDownPrimary),
        typeof(WaitForDemotionToken),
        typeof(ResumeOldPrimary),
        typeof(RejoinOldPrimary),
        typeof(UndrainRegion),
        typeof(FollowNewCache),
        typeof(PlanReprotect),
        typeof(WaitForStreaming),
    ];

    public static void Register(DurableTaskRegistry registry)
    {
        foreach (var type in Orchestrators)
        {
            registry.AddOrchestrator(type);
        }

        foreach (var type in Activities)
        {
            registry.AddActivity(type);
        }
    }

    /// <summary>Task names are the class names (no [DurableTask] renames), as the Functions wrappers assume.</summary>
    public static string NameOf(Type task) => task.Name;
}
