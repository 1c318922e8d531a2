using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Runtime;

[Collection(LocalRuntimeCollection.Name)]
public sealed class Host_sigkill_mid_orchestration_test(AzuriteFixture azurite)
{
    /// <summary>
    /// kill -9 of the host while step k runs; a new host resumes the instance. Every step whose completion
    /// the engine had recorded (TaskCompleted in the instance history, read right after the kill) ran exactly
    /// once, per the journal (a file outside both processes), and every step ran to completion in the end. A
    /// step that finished its work but whose completion was not recorded yet may rightly run again: activities
    /// run at least once.
    /// </summary>
    [Fact]
    public async Task Instance_resumes_after_sigkill_and_completed_steps_run_exactly_once()
    {
        const int steps = 6;
        var environment = new DrEnvironment(azurite, "kill", new Dictionary<string, string>
        {
            // A short visibility timeout so the interrupted step is retried within seconds, not 5 minutes.
            ["DR_Runtime__WorkItemVisibilityTimeoutSeconds"] = "5",
        });
        var journal = Path.Combine(environment.JournalDirectory, "kill.log");
        string instanceId;

        await using (var first = environment.Serve())
        {
            instanceId = await first.StartAsync("DiagnosticStepChain", new { steps, stepDelayMs = 700, journal = "kill" });
            await WaitUntilAsync(() => Completed(journal).Count >= 2, first.Log);
            first.Kill();
        }

        Assert.InRange(Completed(journal).Count, 2, steps - 1);
        // No worker runs here: the history is the one the kill left.
        var atKill = await environment.RunCliAsync("status", instanceId, "--history", "--json");
        Assert.True(atKill.ExitCode == 0, atKill.Stderr);
        Assert.Equal("Running", atKill.Json["runtimeStatus"]!.GetValue<string>());
        var recorded = atKill.Json["historyEvents"]!.AsArray()
            .Count(e => e!["eventType"]!.GetValue<string>() == "TaskCompleted" && e["name"]?.GetValue<string>() == "RecordDiagnosticStep");
        Assert.InRange(recorded, 1, steps - 1);

        await using var second = environment.Serve();
        var status = await second.WaitForEndAsync(instanceId, TimeSpan.FromSeconds(90));
        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(steps, status["output"]!["stepsCompleted"]!.GetValue<int>());

        var starts = Lines(journal, "started");
        var completed = Completed(journal);
        for (var step = 1; step <= steps; step++)
        {
            var executions = starts.Count(s => s == step);
            if (step <= recorded)
            {
                Assert.True(executions == 1, $"step {step}'s completion was recorded before the kill, yet it started {executions} times");
            }
            else
            {
                Assert.InRange(executions, 1, 2);
            }

            Assert.True(completed.Count(s => s == step) >= 1, $"step {step} never completed");
        }
    }

    private static List<int> Completed(string journal) => Lines(journal, "completed");

    private static List<int> Lines(string journal, string what) =>
        File.Exists(journal)
            ? File.ReadAllLines(journal).Where(l => l.EndsWith(" " + what, StringComparison.Ordinal))
                .Select(l => int.Parse(l.Split(' ')[2])).ToList()
            : [];

    private static async Task WaitUntilAsync(Func<bool> condition, string log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met; host log:\n" + log);
            }

            await Task.Delay(50);
        }
    }
}
