using System.Text;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="Target">As `dr pitr --target` takes it (see <see cref="RecoveryTarget.Parse"/>).</param>
/// <param name="BackupId">A full restore of this backup (target <c>immediate</c>); null: the newest backup before the target.</param>
/// <param name="NowUtc">The orchestration's clock (a time target must not be in the future).</param>
/// <param name="Node">The node whose agent recovers; null: the serving primary's (DR state, else the topology's primary).</param>
/// <param name="RecoverJobId">The recover job to come, with <paramref name="RecoverJob"/> (its directory and port): the node's
/// agent checks it now, so a directory it could not use (outside its job root, one PostgreSQL's user cannot reach) is
/// refused here, with nothing restored. Null where no agent runs yet (a region being recovered is provisioned after its plan).</param>
public sealed record PlanRecoveryInput(string Target, string? BackupId, DateTimeOffset NowUtc, string? Node = null, string? RecoverJobId = null,
    AgentJobRequest? RecoverJob = null);

/// <param name="ArchivedUntilUtc">When the last segment of the unbroken WAL chain was stored (null for a full restore).</param>
/// <param name="BackupStartLsn">Where the replay begins (the backup's checkpoint): the WAL a recovery replays runs from here to the target.</param>
/// <param name="BackupType">"full" or "incremental" (restored with its chain).</param>
public sealed record RecoveryPlan(string BackupId, DateTimeOffset BackupCompletedAtUtc, string BackupStopLsn, int BackupTimeline,
    string Target, int Timeline, string? LastSegment, DateTimeOffset? ArchivedUntilUtc, string Node, string? BackupStartLsn = null,
    string? BackupType = null);

/// <summary>
/// Everything a recovery needs, checked before anything is touched: the target parses and is not in the
/// future, lies inside the retained WAL window, a complete base backup before it exists (the newest whose WAL
/// reaches the target is chosen, full or incremental, its chain whole), and the archive holds an unbroken chain of
/// segments from that backup to the target, across timeline switches. Any failure is bad input naming the problem. Reads only: idempotent.
/// </summary>
public sealed class PlanRecovery(BackupCatalog catalog, IConfiguration configuration, TopologyOptions topology, NodeAgents agents) : DrActivity<PlanRecovery,
    PlanRecoveryInput, RecoveryPlan>
{
    public override async Task<RecoveryPlan> RunAsync(TaskActivityContext context, PlanRecoveryInput input)
    {
        var plan = await PlanAsync(input);
        if (input is { RecoverJobId: { } id, RecoverJob: { } job })
        {
            // The agent checks the job as it would start it (its directory, port, backup), and starts nothing.
            await agents.For(plan.Node).CheckJobAsync(id, job with { BackupId = plan.BackupId, Target = plan.Target });
        }

        return plan;
    }

    private async Task<RecoveryPlan> PlanAsync(PlanRecoveryInput input)
    {
        var node = await NodeAsync(input.Node);
        var target = input.BackupId is null ? RecoveryTarget.Parse(input.Target) : RecoveryTarget.Immediate;
        var backups = (await catalog.ListCompleteAsync(BackupKind.Database)).Where(m => m.Database is not null).ToList();
        if (input.BackupId is not null)
        {
            var named = backups.FirstOrDefault(b => b.BackupId == input.BackupId)
                ?? throw new BadInputException($"no complete database backup '{input.BackupId}' in {catalog.Store.Location} (see `dr backup list`)");
            await DatabaseBackupChain.LoadAsync(catalog, named);
            return new(named.BackupId, named.Database!.CompletedAtUtc, named.Database.StopLsn, named.Database.Timeline, target.ToString(),
                named.Database.Timeline, null, null, node, named.Database.StartLsn, named.Database.Type);
        }

        if (target.Time is { } time)
        {
            if (time > input.NowUtc)
            {
                throw new BadInputException($"target {target} is in the future (now {input.NowUtc:O})");
            }

            var window = RetentionSettings.For(BackupKind.Wal, configuration).KeepFor ?? TimeSpan.FromDays(7);
            if (time < input.NowUtc - window)
            {
                throw new BadInputException($"target {target} is outside the retained window: WAL is kept {window.TotalDays:0.##} days, since " +
                    $"{input.NowUtc - window:O}");
            }
        }

        var candidates = (target.Kind switch
        {
            RecoveryTargetKind.Time => backups.Where(b => b.Database!.CompletedAtUtc <= target.Time),
            RecoveryTargetKind.Lsn => backups.Where(b => Lsn.Bytes(b.Database!.StopLsn) <= Lsn.Bytes(target.Lsn!)),
            _ => backups,
        }).OrderByDescending(b => b.Database!.CompletedAtUtc).ToList();
        if (candidates.Count == 0)
        {
            var oldest = backups.MinBy(b => b.Database!.CompletedAtUtc);
            throw new BadInputException(oldest is null
                ? $"no complete database backup in {catalog.Store.Location}: recovery starts from one"
                : $"no complete database backup before target {target}: the oldest, {oldest.BackupId}, completed at {oldest.Database!.CompletedAtUtc:O} " +
                    $"(stop {oldest.Database.StopLsn})");
        }

        var wal = new WalArchive(catalog.Store);
        var archive = await wal.ListAsync();
        var newest = Math.Max(WalChain.NewestTimeline(archive), candidates.Max(b => b.Database!.Timeline));
        IReadOnlyList<TimelineSwitch> history = [];
        if (newest > 1)
        {
            var file = await wal.ReadAsync($"{newest:X8}.history")
                ?? throw new BadInputException($"the archive has timeline {newest} but not its history file {newest:X8}.history: recovery cannot follow it");
            history = WalChain.ParseHistory(Encoding.UTF8.GetString(file));
        }

        // The newest backup whose WAL reaches the target: one taken on a branch the history left (after a PITR replaced the primary) cannot.
        string? newestProblem = null;
        foreach (var before in candidates)
        {
            var reach = WalChain.Check(archive, history, newest, before.Database!.Timeline, before.Database.StartLsn, before.Database.StopLsn, target);
            newestProblem ??= reach.Problem;
            if (reach.Problem is null)
            {
                // An incremental is restored with its chain: every member must be there before anything is touched.
                await DatabaseBackupChain.LoadAsync(catalog, before);
                return new(before.BackupId, before.Database.CompletedAtUtc, before.Database.StopLsn, before.Database.Timeline, target.ToString(),
                    reach.Timeline, reach.LastSegment, reach.ArchivedUntilUtc, node, before.Database.StartLsn, before.Database.Type);
            }
        }

        throw new BadInputException($"backup {candidates[0].BackupId} cannot reach target {target}: {newestProblem}");
    }

    private async Task<string> NodeAsync(string? named)
    {
        if (named is not null)
        {
            return topology.Nodes.Any(n => string.Equals(n.Node.Name, named, StringComparison.OrdinalIgnoreCase))
                ? named
                : throw new BadInputException($"node '{named}' is not in the DR topology (see `dr topology check`)");
        }

        return (await new ServingPrimaryStore(catalog.Store).ServingAsync(topology)).Node;
    }
}
