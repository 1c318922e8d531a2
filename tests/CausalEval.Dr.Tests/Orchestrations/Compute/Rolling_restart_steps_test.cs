using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.RollingRestart;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using CausalEval.Dr.Tests.Orchestrations.Steps;

namespace CausalEval.Dr.Tests.Orchestrations.Compute;

/// <summary>The RollingRestart runbook on a scripted context: groups of at most half, each healthy before the next.</summary>
public sealed class Rolling_restart_steps_test
{
    private static readonly string[] Addresses = ["127.0.1.11", "127.0.1.12", "127.0.1.13", "127.0.1.14"];

    private static ScriptedOrchestrationContext Scripted(string? unhealthy = null) => new ScriptedOrchestrationContext()
        .On(nameof(FindServiceInstances), (_, _) => new RegionInstances("primary", [new ServiceInstances("api", Addresses)]))
        .On(nameof(RestartServiceInstance), (input, _) =>
        {
            var i = (ServiceInstanceInput)input!;
            return new InstanceRestarted(i.Region, i.Service, i.Address, "restarted");
        })
        .On(nameof(CheckInstanceHealth), (input, _) =>
        {
            var i = (CheckInstanceHealthInput)input!;
            return i.Address == unhealthy ? throw new TimeoutException($"{i.Address} not healthy within {i.TimeoutSeconds} s")
                : new InstanceHealthy(i.Address, 0.5);
        })
        .On(nameof(RecordRun), (_, _) => "runs/key");

    [Fact]
    public async Task At_most_half_restart_at_once_and_each_group_is_healthy_before_the_next()
    {
        var context = Scripted();

        var result = await new RollingRestart().RunAsync(context, new RollingRestartInput());

        Assert.Equal(["find instances", "restart api group 1 of 2", "health api group 1 of 2", "restart api group 2 of 2", "health api group 2 of 2"],
            context.RunRecord().Steps.Select(s => s.Name));
        var restarted = context.Inputs.Where(i => i.Activity == nameof(RestartServiceInstance)).Select(i => ((ServiceInstanceInput)i.Input!).Address);
        Assert.Equal(Addresses, restarted);
        Assert.Equal(4, result.Restarted.Count);
    }

    [Fact]
    public async Task An_instance_that_stays_unhealthy_stops_the_restart_before_the_next_group()
    {
        var context = Scripted(unhealthy: "127.0.1.12");

        var error = await Assert.ThrowsAsync<SafetyCheckRefusedException>(() => new RollingRestart().RunAsync(context, new RollingRestartInput()));

        Assert.Contains("2 more api instance(s)", error.Message);
        Assert.Equal(2, context.Inputs.Count(i => i.Activity == nameof(RestartServiceInstance)));
    }
}
