using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Diagnostics;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Steps;

/// <summary>The step model's rules, on real runbooks, with no runtime: each test runs in memory in milliseconds.</summary>
public sealed class Step_model_test
{
    private static readonly BaseBackupTaken Taken = new("b1", "file:///store", "database/b1/base.tar.zst", 100, 1000, "0/2000028", "0/2000100", 1, 1.5, false);

    private static ScriptedOrchestrationContext BackupContext() => new ScriptedOrchestrationContext()
        .On(nameof(TakeBaseBackup), (_, _) => Taken)
        .On(nameof(ApplyRetention), (_, _) => new RetentionOutcome(BackupKind.Database, "keep 30 days", 1, []))
        .On(nameof(ApplyWalRetention), (_, _) => new WalRetentionOutcome(7, 3, 0, null))
        .On(nameof(RecordRun), (_, _) => "runs/key");

    private static RunRecord RecordOf(ScriptedOrchestrationContext context) =>
        (RunRecord)context.Inputs.Single(i => i.Activity == nameof(RecordRun)).Input!;

    [Fact]
    public async Task Steps_run_in_order_and_each_sets_the_one_typed_status()
    {
        var context = BackupContext();

        var result = await new BackupDatabase().RunAsync(context, new BackupDatabaseInput(Trigger: "test"));

        Assert.Equal(["activity TakeBaseBackup", "activity ApplyRetention", "activity ApplyWalRetention", "activity RecordRun"], context.Calls);
        var statuses = context.Statuses.Cast<RunbookStatus>().ToList();
        Assert.Equal([("base backup", 1), ("retention", 2), ("wal retention", 3)], statuses.Take(3).Select(s => (s.Step, s.Index)));
        Assert.All(statuses, s => Assert.Equal((nameof(BackupDatabase), 3, result.BackupId), (s.Runbook, s.Count, s.Subject)));
        Assert.Equal("succeeded", statuses[^1].Outcome);

        var record = RecordOf(context);
        Assert.Equal((RunOutcome.Succeeded, "test", BackupKind.Database), (record.Outcome, record.Trigger, record.BackupKind));
        Assert.Equal(["base backup", "retention", "wal retention"], record.Steps.Select(s => s.Name));
        Assert.All(record.Steps, s => Assert.True(s.Outcome == StepOutcome.Succeeded && s.Attempts == 1 && s.EndedAt > s.StartedAt));
        Assert.Equal(100, record.Figures!["sizeBytes"]);
    }

    [Fact]
    public async Task A_non_retryable_error_is_not_retried_and_fails_the_run_with_its_kind()
    {
        var context = BackupContext().On(nameof(TakeBaseBackup), (_, _) => throw new DrConfigurationException("Database:Host is not set"));

        var error = await Assert.ThrowsAsync<DrConfigurationException>(() => new BackupDatabase().RunAsync(context, null));

        Assert.Equal(1, context.AttemptsOf(nameof(TakeBaseBackup)));
        Assert.Contains("step 'base backup' failed: Database:Host is not set", error.Message);
        Assert.DoesNotContain(context.Calls, c => c.StartsWith("timer", StringComparison.Ordinal));
        var record = RecordOf(context);
        Assert.Equal((RunOutcome.Failed, ErrorKind.Configuration, "base backup"), (record.Outcome, record.Error!.Kind, record.Error.Step));
        Assert.Equal(StepOutcome.Failed, record.Steps.Single().Outcome);
    }

    [Fact]
    public async Task A_retryable_error_is_retried_with_backoff_and_the_attempts_are_recorded()
    {
        var context = BackupContext().On(nameof(TakeBaseBackup), (_, attempt) => attempt < 3 ? throw new InvalidOperationException("store busy") : Taken);

        await new BackupDatabase().RunAsync(context, null);

        Assert.Equal(["activity TakeBaseBackup", "timer 2s", "activity TakeBaseBackup", "timer 4s", "activity TakeBaseBackup"], context.Calls.Take(5));
        Assert.Equal(3, RecordOf(context).Steps[0].Attempts);
    }

    [Fact]
    public async Task Approval_timeout_is_never_an_approval()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key");

        var outcome = await new DiagnosticApproval().RunAsync(context, new DiagnosticApprovalInput(TimeoutSeconds: 60));

        Assert.False(outcome.Approved);
        Assert.Equal(ApprovalVerdict.TimedOut, outcome.Verdict);
        Assert.Equal(StepOutcome.TimedOut, RecordOf(context).Steps.Single().Outcome);
    }

    [Fact]
    public async Task Rejection_is_recorded_with_who_and_why()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key")
            .Raise(ApprovalEvents.Reject, new ApprovalDecision("lead", "not in business hours", Step: 1));

        var outcome = await new DiagnosticApproval().RunAsync(context, null);

        Assert.Equal((ApprovalVerdict.Rejected, "lead", "not in business hours"), (outcome.Verdict, outcome.By, outcome.Reason));
        var step = RecordOf(context).Steps.Single();
        Assert.Equal(StepOutcome.Rejected, step.Outcome);
        Assert.Equal("rejected by lead: not in business hours", step.Detail);
    }

    [Fact]
    public async Task Approval_lets_the_run_go_on()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key")
            .Raise(ApprovalEvents.Approve, new ApprovalDecision("on-call", null, Step: 1));

        var outcome = await new DiagnosticApproval().RunAsync(context, null);

        Assert.True(outcome.Approved);
        Assert.Equal(StepOutcome.Approved, RecordOf(context).Steps.Single().Outcome);
    }

    [Fact]
    public async Task A_decision_that_skipped_the_api_checks_decides_nothing()
    {
        // Raised past the API: nobody named, no gate named, or no data at all. The gate waits on, then times out.
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key")
            .Raise(ApprovalEvents.Approve, new ApprovalDecision(null, "forged", Step: 1))
            .Raise(ApprovalEvents.Approve, new ApprovalDecision("mallory", "forged"))
            .Raise(ApprovalEvents.Approve, null);

        var outcome = await new DiagnosticApproval().RunAsync(context, new DiagnosticApprovalInput(TimeoutSeconds: 60));

        Assert.Equal(ApprovalVerdict.TimedOut, outcome.Verdict);
    }

    [Fact]
    public async Task A_decision_meant_for_another_gate_decides_nothing_and_the_gate_shows_it_waits()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key")
            .Raise(ApprovalEvents.Approve, new ApprovalDecision("double-click", "meant for an earlier gate", Step: 7))
            .Raise(ApprovalEvents.Approve, new ApprovalDecision("on-call", "for this one", Step: 1));

        var outcome = await new DiagnosticApproval().RunAsync(context, null);

        Assert.Equal((ApprovalVerdict.Approved, "on-call"), (outcome.Verdict, outcome.By));
        Assert.Equal("approved by on-call: for this one", RecordOf(context).Steps.Single().Detail);
        var statuses = context.Statuses.OfType<RunbookStatus>().ToList();
        Assert.Contains(statuses, s => s is { Step: "approval", Index: 1, AwaitingDecision: true });
        Assert.False(statuses[^1].AwaitingDecision); // decided: no longer a gate that waits
    }

    [Fact]
    public async Task A_failure_undoes_the_completed_steps_in_reverse_order()
    {
        var context = new ScriptedOrchestrationContext()
            .On(nameof(RecordDiagnosticStep), (input, _) => ((DiagnosticStepInput)input!) is { Fail: true, Step: var n }
                ? throw new StepFailedException($"step {n} broke") : 0)
            .On(nameof(RecordRun), (_, _) => "key");

        await Assert.ThrowsAsync<StepFailedException>(() => new DiagnosticStepChain().RunAsync(context, new DiagnosticStepChainInput(Steps: 4, FailAt: 3)));

        var calls = context.Inputs.Where(i => i.Activity == nameof(RecordDiagnosticStep)).Select(i => (DiagnosticStepInput)i.Input!)
            .Select(i => i.Undo ? $"undo {i.Step}" : $"do {i.Step}");
        Assert.Equal(["do 1", "do 2", "do 3", "undo 2", "undo 1"], calls);
        var record = RecordOf(context);
        Assert.Equal(["step 1", "step 2", "step 3", "undo step 2", "undo step 1"], record.Steps.Select(s => s.Name));
        Assert.Equal([false, false, false, true, true], record.Steps.Select(s => s.Undo));
        Assert.Equal("step 3", record.Error!.Step);
    }

    [Fact]
    public async Task Undo_steps_are_dropped_when_the_run_succeeds()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordDiagnosticStep), (_, _) => 0).On(nameof(RecordRun), (_, _) => "key");

        await new DiagnosticStepChain().RunAsync(context, new DiagnosticStepChainInput(Steps: 3));

        Assert.DoesNotContain(context.Inputs, i => i.Input is DiagnosticStepInput { Undo: true });
    }

    [Fact]
    public async Task A_step_that_outlives_its_timeout_fails_as_timed_out_and_is_retried()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key");
        context.Hanging.Add(nameof(SlowActivity));

        var error = await Assert.ThrowsAsync<StepTimedOutException>(() => new TimedRunbook().RunAsync(context, null));

        Assert.Equal(2, context.AttemptsOf(nameof(SlowActivity)));
        Assert.Contains("did not finish within 30 s", error.Message);
        Assert.Equal(StepOutcome.TimedOut, RecordOf(context).Steps.Single().Outcome);
    }

    [Fact]
    public async Task Bad_input_fails_before_any_step()
    {
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key");

        await Assert.ThrowsAsync<BadInputException>(() => new BackupDatabase().RunAsync(context, new BackupDatabaseInput(Source: "tape")));

        Assert.Equal(["activity RecordRun"], context.Calls);
        Assert.Equal(ErrorKind.BadInput, RecordOf(context).Error!.Kind);
    }

    [Theory]
    [InlineData("1", new[] { "prepare", "gate", "finish" })]
    [InlineData("2", new[] { "prepare", "gate", "check", "finish" })]
    [InlineData("", new[] { "prepare", "gate", "finish" })] // started before versioning: version 1
    public async Task An_instance_runs_the_steps_of_the_version_it_started_on(string version, string[] steps)
    {
        var context = new ScriptedOrchestrationContext(version).On(nameof(RecordDiagnosticStep), (_, _) => 0).On(nameof(RecordRun), (_, _) => "key");

        var result = await new DiagnosticVersioned().RunAsync(context, new DiagnosticVersionedInput(ApprovalTimeoutSeconds: 1));

        Assert.Equal(steps, result.Steps);
        Assert.Equal(version.Length == 0 ? "1" : version, RecordOf(context).Version);
    }

    [Fact]
    public async Task An_instance_of_a_version_this_deployment_does_not_know_fails_clearly()
    {
        var context = new ScriptedOrchestrationContext("3").On(nameof(RecordRun), (_, _) => "key");

        var error = await Assert.ThrowsAsync<DrConfigurationException>(() => new DiagnosticVersioned().RunAsync(context, null));

        Assert.Contains("version 3 is not known to this deployment", error.Message);
        Assert.DoesNotContain(context.Calls, c => c == "activity RecordDiagnosticStep");
    }

    [Fact]
    public async Task A_parallel_step_runs_every_input_at_once_and_retries_each_on_its_own()
    {
        var failuresOfTwo = 2;
        var context = new ScriptedOrchestrationContext().On(nameof(RecordRun), (_, _) => "key")
            .On(nameof(SlowActivity), (input, _) => (int)input! == 2 && failuresOfTwo-- > 0 ? throw new InvalidOperationException("busy") : input);

        var results = await new FanOutRunbook().RunAsync(context, null);

        Assert.Equal([1, 2, 3], results);
        var step = RecordOf(context).Steps.Single();
        Assert.Equal(("fan out", StepOutcome.Succeeded, 5), (step.Name, step.Outcome, step.Attempts)); // 1 + 3 (two retries) + 1
    }

    /// <summary>Three inputs of one activity in one step.</summary>
    private sealed class FanOutRunbook : Runbook<object?, IReadOnlyList<int>>
    {
        protected override Task<IReadOnlyList<int>> RunStepsAsync(RunbookRun run, object? input) =>
            run.ParallelAsync<int>("fan out", nameof(SlowActivity), [1, 2, 3], StepOptions.Retried);
    }

    /// <summary>A runbook of the test's own, for per-attempt timeouts (no registry row: its class name is its name).</summary>
    private sealed class TimedRunbook : Runbook<object?, SnapshotTaken>
    {
        protected override Task<SnapshotTaken> RunStepsAsync(RunbookRun run, object? input) =>
            run.StepAsync<SnapshotTaken>("snapshot", nameof(SlowActivity), null, new StepOptions(MaxAttempts: 2).WithTimeout(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Only a name: the scripted context never runs activities.</summary>
    private static class SlowActivity;
}
