using System.Text.Json.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Runs;

/// <summary>
/// Every run leaves a record whose step timeline is the instance history's, to the millisecond; a running
/// one shows which step of how many it is in, and for how long.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Run_record_matches_instance_history_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServeProcess host = null!;

    public Task InitializeAsync()
    {
        host = new DrEnvironment(azurite, "run-records").Serve();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Dr_runs_show_lists_every_step_with_the_times_the_history_has()
    {
        // A failure and two undo steps as well: every kind of step the record has.
        var id = await host.StartAsync("DiagnosticStepChain", new { steps = 4, failAt = 3 });
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60), history: true);
        Assert.Equal("Failed", status["runtimeStatus"]!.GetValue<string>());
        var activities = status["historyEvents"]!.AsArray()
            .Where(e => e!["eventType"]!.GetValue<string>() is "TaskCompleted" or "TaskFailed" && e["name"]!.GetValue<string>() == "RecordDiagnosticStep")
            .Select(e => (Scheduled: Ms(e!["scheduledTime"]!), Ended: Ms(e["timestamp"]!)))
            .ToList();

        var shown = await host.Environment.RunCliAsync("runs", "show", id, "--json");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        var record = shown.Json;
        Assert.Equal((id, "DiagnosticStepChain", "failed"),
            (record["instanceId"]!.GetValue<string>(), record["runbook"]!.GetValue<string>(), record["outcome"]!.GetValue<string>()));
        Assert.Equal("history", record["clock"]!.GetValue<string>());
        var steps = record["steps"]!.AsArray();
        Assert.Equal(["step 1", "step 2", "step 3", "undo step 2", "undo step 1"], steps.Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal(["succeeded", "succeeded", "failed", "succeeded", "succeeded"], steps.Select(s => s!["outcome"]!.GetValue<string>()));
        Assert.All(steps, s => Assert.Equal(1, s!["attempts"]!.GetValue<int>()));
        Assert.Equal(activities, steps.Select(s => (Ms(s!["startedAt"]!), Ms(s["endedAt"]!))).ToList());

        var text = await host.Environment.RunCliAsync("runs", "show", id);
        Assert.Contains("failed in 'step 3'", text.Stdout);
        foreach (var step in steps)
        {
            var (started, ended) = (step!["startedAt"]!.GetValue<DateTimeOffset>(), step["endedAt"]!.GetValue<DateTimeOffset>());
            Assert.Contains($"{started:HH:mm:ss.fff} → {ended:HH:mm:ss.fff} {(ended - started).TotalSeconds,9:F3} s", text.Stdout);
        }

        var listed = await host.Environment.RunCliAsync("runs", "--runbook", "DiagnosticStepChain", "--json");
        Assert.Contains(listed.Json.AsArray(), r => r!["instanceId"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Dr_status_of_a_running_runbook_says_which_step_of_how_many_and_for_how_long()
    {
        var id = await host.StartAsync("DiagnosticStepChain", new { steps = 2, stepDelayMs = 4000 });
        string line = "";
        for (var i = 0; i < 100 && !line.Contains("s so far", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            line = (await host.Environment.RunCliAsync("status", id)).Stdout;
        }

        Assert.Matches(@"Running, step 1 of 2 'step 1' \(\d+\.\d s so far\)", line);
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        var ended = await host.Environment.RunCliAsync("status", id);
        Assert.Contains("Completed", ended.Stdout);
    }

    [Fact]
    public async Task A_run_without_a_record_yet_is_a_clear_error()
    {
        var missing = await host.Environment.RunCliAsync("runs", "show", "never-ran");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no run record for 'never-ran'", missing.Stderr);
    }

    /// <summary>To the millisecond, as the acceptance asks (the store and the history keep finer digits alike).</summary>
    private static long Ms(JsonNode time) => time.GetValue<DateTimeOffset>().ToUnixTimeMilliseconds();
}
