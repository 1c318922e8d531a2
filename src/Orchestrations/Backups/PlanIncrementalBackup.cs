using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <param name="ParentId">Build on this backup instead of the newest one (it must be on the serving cluster's timeline).</param>
public sealed record PlanIncrementalBackupInput(string? ParentId = null);

/// <param name="Full">Take a full backup instead: there is none yet, or the newest is of an older timeline (a failover or a replace since).</param>
/// <param name="Node">The serving primary, whose agent reads its files.</param>
/// <param name="Chain">The parent's chain, full backup first.</param>
public sealed record IncrementalBackupPlan(bool Full, string? ParentId, string Node, int? Timeline, IReadOnlyList<string> Chain, string Reason);

/// <summary>
/// Which backup an incremental builds on: the newest complete database backup (full or incremental), on the serving cluster's
/// timeline, with its whole chain present and readable. A chain that is broken (a parent deleted, a file list corrupt) is refused
/// naming the backup: nothing is taken on top of it. Reads only: idempotent.
/// </summary>
public sealed class PlanIncrementalBackup(BackupCatalog catalog, TopologyOptions topology, NodeAgents agents)
    : DrActivity<PlanIncrementalBackup, PlanIncrementalBackupInput, IncrementalBackupPlan>
{
    public override async Task<IncrementalBackupPlan> RunAsync(TaskActivityContext context, PlanIncrementalBackupInput input)
    {
        var node = (await new ServingPrimaryStore(catalog.Store).ServingAsync(topology)).Node;
        var timeline = (await agents.For(node).StatusAsync()).Timeline;
        var backups = (await catalog.ListCompleteAsync(BackupKind.Database)).Where(m => m.Database is not null).ToList();
        var parent = input.ParentId is { } named
            ? backups.FirstOrDefault(b => b.BackupId == named)
                ?? throw new BadInputException($"parent {named} is not a complete database backup in {catalog.Store.Location} (see `dr backup list`)")
            : backups.MaxBy(b => b.TakenAtUtc);
        if (parent is null)
        {
            return new(true, null, node, timeline, [], "no database backup yet: the chain starts with a full one");
        }

        if (timeline is { } now && now != parent.Database!.Timeline)
        {
            return input.ParentId is null
                ? new(true, null, node, timeline, [], $"{node} is on timeline {now}, the newest backup {parent.BackupId} on {parent.Database.Timeline}: " +
                    "a new timeline starts a new chain with a full backup")
                : throw new BadInputException($"parent {parent.BackupId} is of timeline {parent.Database.Timeline}, {node} is on {now}: an incremental " +
                    "builds on a backup of its own timeline");
        }

        var chain = await DatabaseBackupChain.LoadAsync(catalog, parent); // a missing parent: bad input; a broken list: corrupt data
        return new(false, parent.BackupId, node, timeline, chain.Backups.Select(b => b.BackupId).ToList(),
            $"on {parent.BackupId} ({parent.Database!.Type}, chain of {chain.Backups.Count})");
    }
}
