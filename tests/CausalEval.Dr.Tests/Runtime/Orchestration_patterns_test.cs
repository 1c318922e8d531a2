using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Runtime;

/// <summary>The Durable Task patterns every later runbook relies on, on the real local runtime.</summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Orchestration_patterns_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServeProcess host = null!;

    public Task InitializeAsync()
    {
        host = new DrEnvironment(azurite, "patterns").Serve();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Approval_given_with_dr_approve_reaches_the_waiting_gate_and_is_recorded()
    {
        var id = await host.StartAsync("DiagnosticApproval", new { timeoutSeconds = 120 });
        await WaitForStepAsync(id, "approval");

        var approved = await host.Environment.RunCliAsync("approve", id, "--by", "on-call", "--reason", "drill window");
        Assert.True(approved.ExitCode == 0, approved.Stderr);

        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("approved", status["output"]!["verdict"]!.GetValue<string>());
        Assert.Equal("on-call", status["output"]!["by"]!.GetValue<string>());
        Assert.Equal("drill window", status["output"]!["reason"]!.GetValue<string>());
        var record = await host.Environment.RunCliAsync("runs", "show", id, "--json");
        Assert.True(record.ExitCode == 0, record.Stderr);
        Assert.Equal("approved", record.Json["steps"]![0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rejection_with_dr_reject_is_not_an_approval()
    {
        var id = await host.StartAsync("DiagnosticApproval", new { timeoutSeconds = 120 });
        await WaitForStepAsync(id, "approval");

        var rejected = await host.Environment.RunCliAsync("reject", id, "--by", "lead", "--reason", "not now");
        Assert.True(rejected.ExitCode == 0, rejected.Stderr);

        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("rejected", status["output"]!["verdict"]!.GetValue<string>());
        Assert.Equal("not now", status["output"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Approval_times_out_when_no_event_comes()
    {
        var id = await host.StartAsync("DiagnosticApproval", new { timeoutSeconds = 2 });
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("timed-out", status["output"]!["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task ContinueAsNew_loop_runs_every_iteration()
    {
        var id = await host.StartAsync("DiagnosticCountdown", new { remaining = 4, intervalSeconds = 1 });
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(4, status["output"]!["iterations"]!.GetValue<int>());
    }

    [Fact]
    public async Task History_lists_every_step_with_its_timestamps()
    {
        var id = await host.StartAsync("DiagnosticStepChain", new { steps = 3 });
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(30), history: true);
        var events = status["historyEvents"]!.AsArray();

        Assert.Equal("ExecutionStarted", events[0]!["eventType"]!.GetValue<string>());
        Assert.Equal("ExecutionCompleted", events[^1]!["eventType"]!.GetValue<string>());
        var steps = events.Where(e => e!["eventType"]!.GetValue<string>() == "TaskCompleted"
            && e["name"]!.GetValue<string>() == "RecordDiagnosticStep").ToList();
        Assert.Equal(3, steps.Count);
        var previous = DateTime.MinValue;
        foreach (var step in steps)
        {
            Assert.Equal("RecordDiagnosticStep", step!["name"]!.GetValue<string>());
            var scheduled = step["scheduledTime"]!.GetValue<DateTime>();
            var finished = step["timestamp"]!.GetValue<DateTime>();
            Assert.True(scheduled <= finished, $"step scheduled {scheduled:O} after it finished {finished:O}");
            Assert.True(finished >= previous, "steps out of order");
            previous = finished;
        }
    }

    [Fact]
    public async Task Activity_failure_fails_the_orchestration_with_the_reason()
    {
        // A journal name with a path separator is refused by the step: the failure must surface, named.
        var id = await host.StartAsync("DiagnosticStepChain", new { steps = 1, journal = "../escape" });
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("Failed", status["runtimeStatus"]!.GetValue<string>());
        Assert.Contains("journal", status["failureDetails"]!["errorMessage"]!.GetValue<string>());
    }

    private async Task WaitForStepAsync(string id, string step)
    {
        for (var i = 0; i < 150; i++)
        {
            if ((await host.StatusAsync(id))["customStatus"]?["step"]?.GetValue<string>() == step)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("orchestration never started waiting:\n" + host.Log);
    }
}
