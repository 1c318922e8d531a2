using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Agent;

/// <summary>
/// After `dr lab up`, every command uses the lab with no settings: the topology checks out, a database backup
/// runs against the lab's primary, and a restore runs on the standby's host as an agent job the orchestration
/// polls with durable timers.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Restore_backup_to_node_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task A_backup_of_the_labs_primary_restores_on_the_standbys_host_through_its_agent()
    {
        var check = await lab.RunAsync("topology", "check", "--json");
        Assert.True(check.ExitCode == 0, check.Stderr);
        Assert.Equal("primary", check.Json["regions"]!["primary"]!["role"]!.GetValue<string>());
        Assert.Equal("set", check.Json["secrets"]!["agent-secondary-db"]!.GetValue<string>());
        Assert.DoesNotContain(lab.State.AgentTokens!["secondary-db"], check.Stdout); // secrets are named, never printed

        var backup = await lab.RunAsync("backup", "run", "database", "--json");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var backupId = backup.Json["output"]!["backupId"]!.GetValue<string>();

        var target = Path.Combine(lab.LabDirectory, "run", "pg-standby", "restored-on-secondary"); // under the node's job root
        var input = $$"""{"backupId": "{{backupId}}", "node": "secondary-db", "dataDirectory": "{{target}}", "pollSeconds": 1}""";
        var restore = await lab.RunAsync("run", "RestoreBackupToNode", "--input", input, "--json", "--instance-id", "restore-on-secondary");
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        Assert.Equal("succeeded", restore.Json["output"]!["state"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(target, "PG_VERSION")));
        Assert.Equal(restore.Json["output"]!["result"]!["files"]!.GetValue<int>(),
            Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count() - 1); // + backup_manifest

        // The orchestration long-polled the job (ReadNodeJob); the job itself ran in the agent.
        var status = await lab.RunAsync("status", "restore-on-secondary", "--history", "--json");
        var events = status.Json["historyEvents"]!.AsArray().Select(e => (e!["eventType"]!.GetValue<string>(), e["name"]?.GetValue<string>())).ToList();
        Assert.Contains(("TaskCompleted", "StartNodeJob"), events);
        var shown = await lab.RunAsync("runs", "show", "restore-on-secondary", "--json");
        Assert.Equal(["check node", "restore"], shown.Json["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));

        // A second restore into the same directory is refused before anything happens.
        var again = await lab.RunAsync("run", "RestoreBackupToNode", "--input", input, "--json");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("exists: a job restores only into a new directory", again.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_node_is_reseeded_from_the_primary_as_an_agent_job_started_once_per_id()
    {
        using var agents = lab.Agents();
        var secondary = agents.For("secondary-db");
        var primary = lab.State.Find("postgres-primary")!;
        var target = Path.Combine(lab.LabDirectory, "run", "pg-standby", "reseeded");
        var request = new AgentJobRequest(AgentJob.ReseedKind, DataDirectory: target, FromHost: primary.Address, FromPort: primary.Ports[0]);

        var started = await secondary.StartJobAsync("reseed-1", request);
        var again = await secondary.StartJobAsync("reseed-1", request); // a retried start finds the same job
        Assert.Equal(started.StartedAt, again.StartedAt);
        var job = again;
        for (var i = 0; i < 300 && job.State == AgentJobState.Running; i++)
        {
            await Task.Delay(100);
            job = await secondary.JobAsync("reseed-1");
        }

        Assert.True(job.State == AgentJobState.Succeeded, job.Error);
        Assert.True(File.Exists(Path.Combine(target, "PG_VERSION")));
        Assert.True(File.Exists(Path.Combine(target, "standby.signal"))); // set up as a standby of the primary
        Assert.Contains("reseed: fromHost and fromPort", (await Assert.ThrowsAsync<BadInputException>(() =>
            secondary.StartJobAsync("reseed-2", request with { FromHost = null }))).Message);
    }

    [Fact]
    public async Task A_recover_job_refused_for_an_unknown_backup_writes_nothing_on_the_host()
    {
        using var agents = lab.Agents();
        var target = Path.Combine(lab.LabDirectory, "run", "pg-standby", "never-recovered");
        var error = await Assert.ThrowsAsync<BadInputException>(() =>
            agents.For("secondary-db").StartJobAsync("recover-unknown", new AgentJobRequest(AgentJob.RecoverKind, "no-such-backup", target, Target: "latest")));

        Assert.Contains("no complete database backup 'no-such-backup'", error.Message);
        Assert.False(File.Exists(target + ".dr-job"), "the refused job claimed its directory");
        Assert.False(Directory.Exists(target), "the refused job created its directory");
    }

    [Fact]
    public async Task A_swap_in_of_a_directory_no_recover_job_proved_is_refused_and_the_node_keeps_running()
    {
        using var agents = lab.Agents();
        var secondary = agents.For("secondary-db");
        var standby = lab.State.Find("postgres-standby")!;

        var unknown = await Assert.ThrowsAsync<BadInputException>(() =>
            secondary.StartJobAsync("swap-unknown", new AgentJobRequest(AgentJob.SwapInKind, PreparedBy: "no-such-job")));
        var unnamed = await Assert.ThrowsAsync<BadInputException>(() =>
            secondary.StartJobAsync("swap-unnamed", new AgentJobRequest(AgentJob.SwapInKind, DataDirectory: standby.DataDirectory + ".elsewhere")));

        Assert.Contains("this agent has no job 'no-such-job'", unknown.Message);
        Assert.Contains("preparedBy", unnamed.Message);
        Assert.False(File.Exists(standby.DataDirectory!.TrimEnd('/') + ".dr-swap.json"), "a refused swap wrote its journal");
        Assert.True((await secondary.StatusAsync()).Running);
    }

    [Fact]
    public async Task Lab_status_lists_an_agent_beside_each_database()
    {
        var status = await lab.RunAsync("lab", "status", "--json");
        Assert.True(status.ExitCode == 0, status.Stderr);
        var agents = status.Json["processes"]!.AsArray().Where(p => p!["name"]!.GetValue<string>().Contains("agent", StringComparison.Ordinal)).ToList();
        Assert.Equal(["primary", "secondary"], agents.Select(a => a!["region"]!.GetValue<string>()).Order());
        Assert.All(agents, a =>
        {
            Assert.True(a!["listening"]!.GetValue<bool>());
            Assert.Matches(@"^127\.0\.[12]\.1:\d+$", a["endpoint"]!.GetValue<string>());
        });
    }
}
