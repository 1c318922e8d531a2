using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Standby">The serving primary's standby, if any: the sandbox is restored on its host (not the primary's).</param>
public sealed record BackupRestoreTestPlan(string Region, string Node, string? Standby, string SandboxNode, double RtoSeconds, double RpoSeconds);

/// <summary>Where a backup-restore test runs: the serving region (DR state, else the topology's primary) and the host of its standby.</summary>
public sealed class PlanBackupRestoreTest(TopologyOptions topology, ServingPrimaryStore servingPrimary)
    : DrActivity<PlanBackupRestoreTest, string, BackupRestoreTestPlan>
{
    public override async Task<BackupRestoreTestPlan> RunAsync(TaskActivityContext context, string drill)
    {
        if (topology.IsEmpty)
        {
            throw new DrConfigurationException("no DR topology is configured: there is no database to restore");
        }

        var (region, node) = await servingPrimary.ServingAsync(topology);
        var standby = topology.StandbyOf(node)?.Name;
        return new BackupRestoreTestPlan(region, node, standby, standby ?? node, RecoveryObjectives.RtoFor(ServiceTier.Standard).TotalSeconds,
            RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds);
    }
}
