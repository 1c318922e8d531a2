using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Runtime;

/// <summary>
/// A deployment that moves a runbook to version 2 lets the instances started on version 1 finish on
/// version 1, while new instances start on version 2: the version travels with the instance.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Versioned_runbook_test(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_instance_started_on_version_1_finishes_on_version_1_after_the_deployment_moves_to_version_2()
    {
        // "Before the deployment": new instances of DiagnosticVersioned still start on version 1.
        var environment = new DrEnvironment(azurite, "versions", new DrSettings().Set("Runbooks:DiagnosticVersioned:StartVersion", "1"));
        await using (var before = environment.Serve())
        {
            await before.StartAsync("DiagnosticVersioned", instanceId: "started-on-1");
            await WaitAtGateAsync(before, "started-on-1");
        }

        // "After the deployment": same task hub, the pin removed, so new instances start on the current version 2.
        environment.Variables.Remove(DrSettings.Variable("Runbooks:DiagnosticVersioned:StartVersion"));
        await using var after = environment.Serve();
        await after.StartAsync("DiagnosticVersioned", instanceId: "started-on-2");
        await WaitAtGateAsync(after, "started-on-2");
        foreach (var id in new[] { "started-on-1", "started-on-2" })
        {
            var approved = await environment.RunCliAsync("approve", id, "--by", "test");
            Assert.True(approved.ExitCode == 0, approved.Stderr);
        }

        var old = await after.WaitForEndAsync("started-on-1", TimeSpan.FromSeconds(60));
        var current = await after.WaitForEndAsync("started-on-2", TimeSpan.FromSeconds(60));
        Assert.Equal("1", old["output"]!["version"]!.GetValue<string>());
        Assert.Equal(["prepare", "gate", "finish"], old["output"]!["steps"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("2", current["output"]!["version"]!.GetValue<string>());
        Assert.Equal(["prepare", "gate", "check", "finish"], current["output"]!["steps"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public async Task A_start_version_this_deployment_does_not_have_is_refused_and_starts_nothing()
    {
        var environment = new DrEnvironment(azurite, "versions-bad", new DrSettings().Set("Runbooks:DiagnosticVersioned:StartVersion", "7"));
        var run = await environment.RunCliAsync("run", "DiagnosticVersioned");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("Runbooks:DiagnosticVersioned:StartVersion: '7' is not a version of DiagnosticVersioned (1..2)", run.Stderr);
    }

    private static async Task WaitAtGateAsync(ServeProcess host, string id)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await host.StatusAsync(id))["customStatus"]?["step"]?.GetValue<string>() == "gate")
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{id} never reached its gate:\n{host.Log}");
    }
}
