using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Recovery;

/// <param name="Node">The database node (DR topology name) whose host gets the files.</param>
/// <param name="DataDirectory">A new or empty directory on that host.</param>
/// <param name="PollSeconds">How often to ask the agent at first (it backs off to 10 s).</param>
public sealed record RestoreBackupToNodeInput(string BackupId, string Node, string DataDirectory, string? Trigger = null, int PollSeconds = 2,
    int TimeoutMinutes = 120)
    : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        string.IsNullOrWhiteSpace(BackupId) ? "backupId is required (see `dr backup list`)"
        : Core.Requests.DrIds.BackupIdProblem(BackupId) is { } bad ? $"backupId: {bad}"
        : string.IsNullOrWhiteSpace(Node) ? "node is required (see `dr topology check`)"
        : string.IsNullOrWhiteSpace(DataDirectory) || !Path.IsPathFullyQualified(DataDirectory)
            ? $"dataDirectory: '{DataDirectory}' must be an absolute path on the node's host"
        : PollSeconds is < 1 or > 60 ? $"pollSeconds: {PollSeconds} is outside 1..60"
        : TimeoutMinutes is < 1 or > 24 * 60 ? $"timeoutMinutes: {TimeoutMinutes} is outside 1..1440"
        : null;
}

/// <summary>
/// Runbook: put a database backup's files into a new data directory on a node's host, through the node's
/// agent, as a job the orchestration polls (so it runs from the Functions app as well as locally).
/// 1. Check the node's agent answers.
/// 2. Restore: the agent streams the backup from the store (checksums checked) into the directory.
/// The restored directory is not started: that is recovery's decision (PITR, full restore).
/// </summary>
public sealed class RestoreBackupToNode : Runbook<RestoreBackupToNodeInput, AgentJob>
{
    protected override async Task<AgentJob> RunStepsAsync(RunbookRun run, RestoreBackupToNodeInput input)
    {
        run.Subject = $"{input.BackupId} → {input.Node}:{input.DataDirectory}";
        await run.StepAsync("check node", ReadNodeStatus.Ref, new NodeInput(input.Node), StepOptions.Retried);
        var job = await run.AgentJobAsync("restore", input.Node, $"{run.InstanceId}-restore",
            new AgentJobRequest(AgentJob.RestoreKind, input.BackupId, input.DataDirectory),
            TimeSpan.FromSeconds(input.PollSeconds), TimeSpan.FromMinutes(input.TimeoutMinutes));
        if (job.Result?["bytes"]?.GetValue<long>() is { } bytes)
        {
            run.Report("bytes", bytes);
        }

        return job;
    }
}
