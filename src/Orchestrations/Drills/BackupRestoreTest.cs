using System.Globalization;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Markers">Marker rows written for the truth, one every <paramref name="MarkerIntervalMs"/>.</param>
/// <param name="BudgetSeconds">Stop condition: the restore into the sandbox (restore, replay, checks) past this; default: the standard tier's RTO.</param>
public sealed record BackupRestoreTestInput(int Markers = 30, int MarkerIntervalMs = 50, double? BudgetSeconds = null, string? Trigger = null)
    : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        Markers is < 12 or > 10_000 ? $"markers: {Markers} is outside 12..10000"
        : MarkerIntervalMs is < 20 or > 60_000 ? $"markerIntervalMs: {MarkerIntervalMs} is outside 20..60000"
        : BudgetSeconds is <= 0 or > 86400 ? $"budgetSeconds: {BudgetSeconds} is outside (0, 86400]"
        : null;
}

/// <summary>
/// Drill: the seed's backup-restore test (every other day). Hypothesis: the newest base backup and the WAL archive restore,
/// to any moment of the window, exactly the data committed before it, within the standard tier's RTO.
/// 1. Plan and check the steady state.
/// 2. The catalog against the store both ways, and the WAL chain over the whole window (holes named).
/// 3. The age of the archive's newest data (against the RPO); marker rows written at a steady pace (the truth), their WAL archived.
/// 4. A target in a gap between two markers; the newest backup restored and replayed to it into a sandbox beside the standby,
///    as an agent job (pg_amcheck in it; a sandbox: not made durable, not analyzed); its removal registered first.
/// 5. The sandbox against the truth: exactly the markers committed before the target. The backup marked verified.
/// 6. The sandbox dropped; steady state again; the report.
/// A flipped byte in a stored part, a hole in the WAL, rows that differ: the drill fails naming it. A real failover during
/// it stops it (its sandbox dropped, the failover left alone).
/// </summary>
public sealed class BackupRestoreTest : Runbook<BackupRestoreTestInput, DrillSummary>
{
    private const string Hypothesis = "The newest base backup and the WAL archive restore, to a moment inside the window, exactly the data committed " +
        "before it, within the standard tier's RTO; the archive's newest data is younger than the database RPO.";

    protected override int StepCount(BackupRestoreTestInput input) => 14;

    protected override async Task<DrillSummary> RunStepsAsync(RunbookRun run, BackupRestoreTestInput input)
    {
        run.AcceptAbort();
        var plan = await run.StepAsync("plan", PlanBackupRestoreTest.Ref, run.InstanceId, StepOptions.Retried);
        run.Subject = $"restore the newest backup beside {plan.SandboxNode} and check it";
        var budget = input.BudgetSeconds ?? plan.RtoSeconds;
        var drill = new DrillFrame(run, Hypothesis, "none", plan.RtoSeconds, plan.RpoSeconds)
        {
            ErrorWindowSeconds = plan.RtoSeconds,
            BudgetSeconds = budget,
            BudgetWhat = "the restore into the sandbox ended",
        };
        return await drill.RunAsync(async () =>
        {
            await drill.CheckSteadyStateBeforeAsync(new SteadyStateInput(run.InstanceId, "before", plan.Region, plan.Standby));
            var archive = await run.StepAsync("check catalog and WAL chain", CheckBackupArchive.Ref, run.InstanceId, StepOptions.Retried);
            var age = await run.StepAsync("archive age", ReadArchiveAge.Ref, run.InstanceId, StepOptions.Retried);
            var markers = await run.StepAsync("write markers", WriteDrillMarkers.Ref,
                new WriteDrillMarkersInput(run.InstanceId, input.Markers, input.MarkerIntervalMs), StepOptions.Retried);
            await run.StepAsync("archive the markers' WAL", SwitchWalAndAwaitArchive.Ref, new SwitchWalAndAwaitArchiveInput(), StepOptions.Retried);
            await drill.StopIfRealFailoverAsync();

            var (target, expected) = TargetBetweenMarkers(markers, run.InstanceId);
            var recoverJob = $"{run.InstanceId}-sandbox";
            var request = new AgentJobRequest(AgentJob.RecoverKind, Sandbox: true);
            var recovery = await run.StepAsync("plan restore", PlanRecovery.Ref,
                new PlanRecoveryInput(target, null, run.Now, plan.SandboxNode, recoverJob, request), StepOptions.Retried);
            drill.SandboxOn(plan.SandboxNode, recoverJob);
            AgentJob restored;
            try
            {
                restored = await run.AgentJobAsync("restore into a sandbox", plan.SandboxNode, recoverJob,
                    request with { BackupId = recovery.BackupId, Target = recovery.Target }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(budget));
            }
            catch (StepTimedOutException e)
            {
                throw drill.BudgetExceeded(e.Message);
            }

            var host = restored.Result?["host"]?.GetValue<string>() ?? throw new StepFailedException($"recover job {recoverJob} did not say where it runs");
            var port = restored.Result?["port"]?.GetValue<int>() ?? throw new StepFailedException($"recover job {recoverJob} did not say its port");
            var compared = await run.StepAsync("compare with the truth", CompareSandbox.Ref,
                new CompareSandboxInput(run.InstanceId, host, port, expected, recovery.Target), StepOptions.Retried);
            var restoreSeconds = Seconds(restored, "restoreSeconds") + Seconds(restored, "replaySeconds");
            await drill.StopIfRealFailoverAsync();
            await run.StepAsync("mark verified", MarkBackupVerified.Ref, new MarkBackupVerifiedInput(recovery.BackupId,
                $"drill {run.InstanceId}: restored to {recovery.Target} in {restoreSeconds:0.###} s; {compared.Rows} marker rows as committed; " +
                "pg_amcheck clean"),
                StepOptions.Retried);
            await run.StepAsync("drop sandbox", DropSandbox.Ref, new DropSandboxInput(plan.SandboxNode, recoverJob), StepOptions.Retried);
            await drill.CheckSteadyStateAfterAsync();

            run.Report("restoreSeconds", Seconds(restored, "restoreSeconds"));
            run.Report("replaySeconds", Seconds(restored, "replaySeconds"));
            drill.Objectives =
            [
                new($"RTO: restore + replay of {recovery.BackupId} (standard tier)", plan.RtoSeconds, restoreSeconds),
                new("RPO: age of the archive's newest data", plan.RpoSeconds, age.AgeSeconds),
            ];
            drill.Note($"checked {archive.Backups} backups and {archive.Segments} WAL segments ({archive.WalFrom} … {archive.WalTo}); restored " +
                $"{recovery.BackupId} to {recovery.Target}: {compared.Rows} marker rows, as committed");
        });
    }

    private static double Seconds(AgentJob job, string figure) => job.Result?[figure]?.GetValue<double>() ?? 0;

    /// <summary>
    /// A restore target in the middle of a gap between two markers whose first was surely committed before it (its commit
    /// was acknowledged within half the gap): the rows before the gap are the truth. Which gap comes from the drill's id
    /// (deterministic: an orchestration may not draw random numbers).
    /// </summary>
    internal static (string Target, IReadOnlyList<int> Expected) TargetBetweenMarkers(IReadOnlyList<DrillMarker> markers, string drill)
    {
        var gaps = Enumerable.Range(3, Math.Max(0, markers.Count - 6))
            .Where(i => markers[i].WrittenAt.AddMilliseconds(markers[i].AckMs) < Middle(markers[i], markers[i + 1]))
            .ToList();
        if (gaps.Count == 0)
        {
            throw new StepFailedException("no gap between two marker rows is wider than twice their commit time: the primary is too slow to tell the " +
                "rows before a target from those after (raise markerIntervalMs)");
        }

        var i = gaps[(int)((uint)StableHash(drill) % (uint)gaps.Count)];
        var target = Middle(markers[i], markers[i + 1]);
        return (target.ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture), markers.Take(i + 1).Select(m => m.Seq).ToList());
    }

    private static DateTimeOffset Middle(DrillMarker a, DrillMarker b) => a.WrittenAt + (b.WrittenAt - a.WrittenAt) / 2;

    private static int StableHash(string text) => text.Aggregate(17, (h, c) => unchecked(h * 31 + c));
}
