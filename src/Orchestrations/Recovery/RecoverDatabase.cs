using CausalEval.Dr.Activities.Nodes;
using CausalEval.Dr.Activities.Recovery;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="Target">Point-in-time recovery target: an ISO time with offset, lsn:X/Y, or latest (see <see cref="RecoveryTarget"/>).</param>
/// <param name="BackupId">A full restore of this backup, recovered to consistency only (then Target is ignored).</param>
/// <param name="DataDirectory">A new or empty directory on the node's host: the recovered cluster, beside the running one.</param>
/// <param name="Node">The database node whose host (and agent) does the work; default: the serving primary's.</param>
/// <param name="Port">The recovered cluster's port (never the node's own); default: a free one the agent picks.</param>
public sealed record RecoverDatabaseInput(string? Target, string? BackupId, string DataDirectory, string? Node = null, int? Port = null,
    string? Trigger = null, int PollSeconds = 2, int TimeoutMinutes = 720) : ITriggeredInput, IValidatedInput
{
    public string? Validate()
    {
        if (BackupId is null)
        {
            try
            {
                RecoveryTarget.Parse(Target ?? "");
            }
            catch (Core.Errors.BadInputException e)
            {
                return e.Message;
            }
        }

        return string.IsNullOrWhiteSpace(DataDirectory) || !Path.IsPathFullyQualified(DataDirectory) ? $"dataDirectory: '{DataDirectory}' must be an absolute path on the node's host"
            : Port is not null and (< 1 or > 65535) ? $"port: {Port} is outside 1..65535"
            : PollSeconds is < 1 or > 60 ? $"pollSeconds: {PollSeconds} is outside 1..60"
            : TimeoutMinutes is < 1 or > 24 * 60 ? $"timeoutMinutes: {TimeoutMinutes} is outside 1..1440"
            : null;
    }
}

/// <param name="Recovered">The agent job's result: where the recovered cluster runs, its timeline, end LSN and last replayed commit.</param>
public sealed record RecoverDatabaseResult(RecoveryPlan Plan, AgentJob Recovered);

/// <summary>
/// Runbook: point-in-time recovery (or a full restore) of PostgreSQL beside the running cluster.
/// 1. Plan: the target checked, the base backup chosen, the WAL chain to the target proven; nothing is
///    touched when this fails.
/// 2. Check the node's agent answers.
/// 3. Recover, as a job of the node's agent polled with durable timers: restore the backup into the new
///    directory, replay WAL to the target, promote, pg_amcheck, ANALYZE. The running cluster is untouched.
/// Swapping the recovered cluster into service is a separate, explicit runbook.
/// </summary>
public sealed class RecoverDatabase : Runbook<RecoverDatabaseInput, RecoverDatabaseResult>
{
    protected override int StepCount(RecoverDatabaseInput input) => 3;

    protected override async Task<RecoverDatabaseResult> RunStepsAsync(RunbookRun run, RecoverDatabaseInput input)
    {
        var plan = await run.StepAsync<RecoveryPlan>("plan", nameof(PlanRecovery),
            new PlanRecoveryInput(input.Target ?? "latest", input.BackupId, run.Now, input.Node), StepOptions.Retried);
        run.Subject = $"{plan.BackupId} → {plan.Target} on {plan.Node}:{input.DataDirectory}";
        await run.StepAsync<NodeStatus>("check node", nameof(ReadNodeStatus), new NodeInput(plan.Node), StepOptions.Retried);
        var job = await run.AgentJobAsync("recover", plan.Node, $"{run.InstanceId}-recover",
            new AgentJobRequest(AgentJob.RecoverKind, plan.BackupId, input.DataDirectory, Target: plan.Target, Port: input.Port),
            TimeSpan.FromSeconds(input.PollSeconds), TimeSpan.FromMinutes(input.TimeoutMinutes));
        if (job.Result?["replaySeconds"]?.GetValue<double>() is { } replay)
        {
            run.Report("replaySeconds", replay);
        }

        return new(plan, job);
    }
}
