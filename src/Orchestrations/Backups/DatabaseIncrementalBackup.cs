using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Steps.Database;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <param name="ParentId">Build on this backup (default: the newest complete one).</param>
/// <param name="KeepDays">Retention of incrementals for this run (default: <c>Retention:DatabaseIncremental:KeepDays</c>, else the seed's 7 days).</param>
public sealed record DatabaseIncrementalBackupInput(string? Trigger = null, string? ParentId = null, double? KeepDays = null, int PollSeconds = 1,
    int TimeoutMinutes = 240) : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        ParentId is not null && Core.Requests.DrIds.BackupIdProblem(ParentId) is { } bad ? $"parentId: {bad}"
        : KeepDays is <= 0 or > Core.Requests.RequestLimits.MaxDays ? $"keepDays: {KeepDays} is outside (0, {Core.Requests.RequestLimits.MaxDays}]"
        : PollSeconds is < 1 or > 60 ? $"pollSeconds: {PollSeconds} is outside 1..60"
        : TimeoutMinutes is < 1 or > 24 * 60 ? $"timeoutMinutes: {TimeoutMinutes} is outside 1..1440"
        : null;
}

/// <param name="Job">The agent's incremental job (null when a full backup was taken instead).</param>
/// <param name="Full">The full backup taken instead (no chain yet, or a new timeline).</param>
public sealed record DatabaseIncrementalBackupResult(string BackupId, IncrementalBackupPlan Plan, AgentJob? Job, BaseBackupTaken? Full,
    RetentionOutcome Retention);

/// <summary>
/// Runbook: the seed's 15-minute database incremental (kept 7 days): only the files changed since the newest backup, so a
/// point-in-time recovery restores the chain and replays at most one interval of WAL.
/// 1. Plan: the parent (the newest complete backup on the serving timeline, its chain whole) or a full backup instead.
/// 2. The serving primary's agent stores the changed files and the file list, then the manifest (an agent job, polled);
///    or, with no chain to build on, a full base backup.
/// 3. Retention: incrementals past their days, fulls past theirs, never a backup a kept one needs.
/// </summary>
public sealed class DatabaseIncrementalBackup : Runbook<DatabaseIncrementalBackupInput?, DatabaseIncrementalBackupResult>
{
    protected override async Task<DatabaseIncrementalBackupResult> RunStepsAsync(RunbookRun run, DatabaseIncrementalBackupInput? input)
    {
        input ??= new DatabaseIncrementalBackupInput();
        var backupId = run.Subject = BackupIds.For(run.Now, run.InstanceId);
        var plan = await run.StepAsync("plan", PlanIncrementalBackup.Ref, new PlanIncrementalBackupInput(input.ParentId), StepOptions.Retried);
        AgentJob? job = null;
        BaseBackupTaken? full = null;
        if (plan.Full)
        {
            full = await run.StepAsync("base backup", TakeBaseBackup.Ref, new TakeBaseBackupInput(backupId, run.Now), StepOptions.Retried);
        }
        else
        {
            job = await run.AgentJobAsync("incremental backup", plan.Node, $"{run.InstanceId}-incremental",
                new AgentJobRequest(AgentJob.IncrementalBackupKind, BackupId: backupId, ParentId: plan.ParentId),
                TimeSpan.FromSeconds(input.PollSeconds), TimeSpan.FromMinutes(input.TimeoutMinutes));
            run.Report("sizeBytes", job.Result?["archiveSizeBytes"]?.GetValue<long>() ?? 0);
            run.Report("changedBytes", job.Result?["storedBytes"]?.GetValue<long>() ?? 0);
        }

        var retention = await run.StepAsync("retention", ApplyRetention.Ref,
            new ApplyRetentionInput(BackupKind.Database, null, null, run.Now, IncrementalKeepDays: input.KeepDays), StepOptions.Retried);
        return new DatabaseIncrementalBackupResult(backupId, plan, job, full, retention);
    }
}
