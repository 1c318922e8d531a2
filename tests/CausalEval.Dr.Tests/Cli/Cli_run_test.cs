using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Cli;

[Collection(LocalRuntimeCollection.Name)]
public sealed class Cli_run_test(AzuriteFixture azurite)
{
    /// <summary>No `dr serve` running: `dr run` embeds the runtime, runs the orchestration to the end, exits 0.</summary>
    [Fact]
    public async Task Run_without_a_server_embeds_the_runtime_and_prints_the_result()
    {
        var environment = new DrEnvironment(azurite, "cli-run");
        var result = await environment.RunCliAsync("run", "DiagnosticStepChain", "--input", """{"steps": 3}""", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("Completed", result.Json["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(3, result.Json["output"]!["stepsCompleted"]!.GetValue<int>());
        Assert.Contains("Completed", result.Stderr); // the progress lines
    }

    /// <summary>With `dr serve` running, `dr run` goes through its API: the instance shows up there.</summary>
    [Fact]
    public async Task Run_with_a_server_uses_it_and_status_shows_the_instance()
    {
        var environment = new DrEnvironment(azurite, "cli-serve");
        await using var host = environment.Serve();
        var before = await host.CountInstancesAsync();

        var run = await environment.RunCliAsync("run", "DiagnosticStepChain", "--input", """{"steps": 2}""", "--instance-id", "cli-through-server");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(before + 1, await host.CountInstancesAsync());

        var status = await environment.RunCliAsync("status", "cli-through-server", "--history", "--json");
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Equal(2,
            status.Json["historyEvents"]!.AsArray().Count(e => e!["eventType"]!.GetValue<string>() == "TaskCompleted"
            && e["name"]!.GetValue<string>() == "RecordDiagnosticStep"));
    }

    [Fact]
    public async Task Failed_orchestration_exits_non_zero_and_names_the_failed_step()
    {
        var environment = new DrEnvironment(azurite, "cli-fail");
        var result = await environment.RunCliAsync("run", "DiagnosticStepChain", "--input", """{"steps": 2, "failAt": 2}""");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("step 'step 2' failed", result.Stdout);
    }
}
