using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Restores;

/// <summary>RestoreApplicationState and RestoreBackupToNode on a scripted context.</summary>
public sealed class Restore_runbooks_steps_test
{

    [Fact]
    public async Task Application_state_is_restored_and_the_configuration_only_when_named()
    {
        var context = new ScriptedOrchestrationContext()
            .On(nameof(ApplyApplicationStateBackup), (_, _) => new ApplicationStateRestored("s1", 3, 1, 5, 2, 0))
            .On(nameof(ApplyFileSetBackup), (input, _) => new FileSetRestored(BackupKind.Configuration, ((ApplyFileSetBackupInput)input!).BackupId, 4))
            .On(nameof(RecordRun), (_, _) => "runs/key");

        await new RestoreApplicationState().RunAsync(context, new RestoreApplicationStateInput("s1"));
        Assert.Equal(["restore"], context.RunRecord().Steps.Select(s => s.Name));

        var withConfiguration = new ScriptedOrchestrationContext()
            .On(nameof(ApplyApplicationStateBackup), (_, _) => new ApplicationStateRestored("s1", 3, 1, 5, 2, 0))
            .On(nameof(ApplyFileSetBackup), (input, _) => new FileSetRestored(BackupKind.Configuration, ((ApplyFileSetBackupInput)input!).BackupId, 4))
            .On(nameof(RecordRun), (_, _) => "runs/key");
        var result = await new RestoreApplicationState().RunAsync(withConfiguration, new RestoreApplicationStateInput("s1", ConfigurationBackupId: "c1"));
        Assert.Equal(["restore", "restore configuration"], withConfiguration.RunRecord().Steps.Select(s => s.Name));
        Assert.Equal(("c1", 4), (result.Configuration!.BackupId, result.Configuration.Files));
        Assert.Equal(3, withConfiguration.RunRecord().Figures!["sessions"]);
    }

    [Fact]
    public async Task A_backup_is_restored_to_a_node_as_its_agents_job_once_the_agent_answers()
    {
        var context = new ScriptedOrchestrationContext()
            .On(nameof(ReadNodeStatus), (_, _)
                => new NodeStatus("secondary-db", NodeRole.Standby, true, false, false, 1, null, null, "0/1", "0/1", 0, 0, [], null))
            .JobsEndAtOnce(_ => new JsonObject { ["bytes"] = 1234L })
            .On(nameof(RecordRun), (_, _) => "runs/key");

        await new RestoreBackupToNode().RunAsync(context, new RestoreBackupToNodeInput("b1", "secondary-db", "/srv/restore"));

        Assert.Equal(["check node", "restore"], context.RunRecord().Steps.Select(s => s.Name));
        var request = ((NodeJobInput)context.Inputs.Single(i => i.Activity == nameof(StartNodeJob)).Input!).Request!;
        Assert.Equal((AgentJob.RestoreKind, "b1", "/srv/restore"), (request.Kind, request.BackupId, request.DataDirectory));
        Assert.Equal(1234, context.RunRecord().Figures!["bytes"]);
    }

    [Fact]
    public async Task A_node_whose_agent_does_not_answer_gets_no_job()
    {
        var context = new ScriptedOrchestrationContext()
            .On(nameof(ReadNodeStatus), (_, _) => throw new DrConfigurationException("node 'x' is not in the topology"))
            .On(nameof(RecordRun), (_, _) => "runs/key");

        await Assert.ThrowsAsync<DrConfigurationException>(()
            => new RestoreBackupToNode().RunAsync(context, new RestoreBackupToNodeInput("b1", "x", "/srv/r")));

        Assert.DoesNotContain(context.Inputs, i => i.Activity == nameof(StartNodeJob));
    }
}
