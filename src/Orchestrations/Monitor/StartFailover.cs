using System.Text.Json;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Incidents;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Monitor;

/// <param name="Runbook">The failover's orchestrator, from the monitor's registry row.</param>
/// <param name="FailoverInput">The failover's input, as the runbook reads it.</param>
/// <param name="Evidence">The failed rounds that decided it.</param>
public sealed record StartFailoverInput(string Runbook, string Version, JsonElement FailoverInput, IReadOnlyList<HealthRound> Evidence);

/// <summary>
/// The monitor's decision to fail over: starts the failover (or joins the one running, see
/// <see cref="FailoverInstance"/>), opens the incident (the EmergencyResponse checklist) and stores the decision with its
/// evidence under <c>monitor/decisions/</c>.
/// </summary>
public sealed class StartFailover(IInstanceStarter hub, ServingPrimaryStore servingPrimary, IObjectStore store, IConfiguration configuration)
    : DrActivity<StartFailover, StartFailoverInput, FailoverStarted>
{
    public override async Task<FailoverStarted> RunAsync(TaskActivityContext context, StartFailoverInput input)
    {
        var started = await FailoverInstance.StartAsync(hub, servingPrimary, input.Runbook, input.Version, input.FailoverInput);
        var at = input.Evidence.Count > 0 ? input.Evidence[^1].At : DateTime.UtcNow;
        // People's checklist opens as the monitor decides (under an id from the failover's: a repeated step opens it once). While a
        // failover test runs, the failover is the one it provokes: the incident is the drill's, ticked as a real one would be. A
        // failover during any other drill is real (that drill stops and leaves it alone), and so is its incident.
        var drill = (await hub.ListActiveAsync()).FirstOrDefault(i => i.Name == nameof(Drills.FailoverTest));
        await IncidentOpener.OpenAsync(hub, configuration, EmergencyResponse.IncidentIdFor(started.InstanceId),
            new EmergencyResponseInput("critical", $"the health monitor failed the service over ({started.InstanceId}) after {input.Evidence.Count} failed " +
                "rounds", drill?.Id, Trigger: "monitor"));
        await store.PutJsonAsync($"monitor/decisions/{at:yyyy/MM/dd/HHmmssfff}-{context.InstanceId}.json",
            new { decidedAt = at, monitor = context.InstanceId, failover = started.InstanceId, joined = started.Joined, evidence = input.Evidence });
        return started;
    }
}
