using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Backups;

/// <summary>
/// The snapshot backups (configuration, application state, metrics, logs) and the WAL archive check on a scripted
/// context; the database backup's steps are the step model's own example (Step_model_test).
/// </summary>
public sealed class Backup_runbooks_steps_test
{
    private static ScriptedOrchestrationContext Scripted() => new ScriptedOrchestrationContext()
        .On(nameof(SnapshotFiles), (input, _) => Taken((SnapshotInput)input!))
        .On(nameof(SnapshotApplicationState), (input, _) => Taken((SnapshotInput)input!))
        .On(nameof(ApplyRetention), (input, _) => new RetentionOutcome(((ApplyRetentionInput)input!).Kind, "keep 7", 3, ["old"]))
        .On(nameof(RecordRun), (_, _) => "runs/key");

    private static SnapshotTaken Taken(SnapshotInput input)
        => new(input.Kind, input.BackupId, $"{input.Kind}/{input.BackupId}/archive.tar.zst", 2048, 4, false);

    public static TheoryData<SnapshotBackup, string, BackupKind> Snapshots => new()
    {
        { new BackupConfiguration(), nameof(SnapshotFiles), BackupKind.Configuration },
        { new BackupApplicationState(), nameof(SnapshotApplicationState), BackupKind.ApplicationState },
        { new BackupMetrics(), nameof(SnapshotFiles), BackupKind.Metrics },
        { new BackupLogs(), nameof(SnapshotFiles), BackupKind.Logs },
    };

    [Theory]
    [MemberData(nameof(Snapshots))]
    public async Task A_snapshot_backup_takes_its_kind_then_applies_that_kinds_retention(SnapshotBackup runbook, string snapshot, BackupKind kind)
    {
        var context = Scripted();

        var result = await runbook.RunAsync(context, new SnapshotBackupInput(Trigger: "schedule"));

        Assert.Equal([snapshot, nameof(ApplyRetention), nameof(RecordRun)], context.Inputs.Select(i => i.Activity));
        Assert.Equal(kind, ((SnapshotInput)context.Inputs[0].Input!).Kind);
        Assert.Equal(kind, ((ApplyRetentionInput)context.Inputs[1].Input!).Kind);
        var record = context.RunRecord();
        Assert.Equal((kind, "schedule", result.BackupId, 2048.0), (record.BackupKind, record.Trigger, record.Subject, record.Figures!["sizeBytes"]));
    }

    [Fact]
    public async Task A_late_wal_archive_is_the_finding_and_is_not_retried()
    {
        var context = new ScriptedOrchestrationContext()
            .On(nameof(SwitchWalAndAwaitArchive), (_, _) => throw new StepTimedOutException("segment 00000001000000000000000A not archived within 120 s"))
            .On(nameof(RecordRun), (_, _) => "runs/key");

        await Assert.ThrowsAnyAsync<DrException>(() => new CheckWalArchive().RunAsync(context, null));

        Assert.Equal(1, context.AttemptsOf(nameof(SwitchWalAndAwaitArchive)));
        Assert.Equal((RunOutcome.Failed, BackupKind.Wal), (context.RunRecord().Outcome, context.RunRecord().BackupKind));
    }

    [Fact]
    public async Task A_fresh_wal_archive_reports_how_long_the_segment_took()
    {
        var context = new ScriptedOrchestrationContext()
            .On(nameof(SwitchWalAndAwaitArchive), (_, _) => new WalArchiveFresh("00000001000000000000000A", 0.8, "00000001000000000000000A", true))
            .On(nameof(RecordRun), (_, _) => "runs/key");

        await new CheckWalArchive().RunAsync(context, null);

        Assert.Equal(("00000001000000000000000A", 0.8), (context.RunRecord().Subject, context.RunRecord().Figures!["secondsToArchive"]));
    }
}
