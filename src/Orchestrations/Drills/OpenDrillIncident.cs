using CausalEval.Dr.Orchestrations.Incidents;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Drills;

public sealed record OpenDrillIncidentInput(string Drill, string Summary);

/// <summary>
/// Opens the incident a drill plays out when no monitor would (the full simulation holds automatic failover): the seed's
/// checklist under <c>incident-{drill}</c>, the drill's own (its alerts tagged), ticked by the runbooks the drill drives as a
/// real incident would be. Opened once whatever the retries: the id is the drill's.
/// </summary>
public sealed class OpenDrillIncident(IInstanceStarter hub, IConfiguration configuration) : DrActivity<OpenDrillIncident, OpenDrillIncidentInput, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, OpenDrillIncidentInput input)
    {
        var id = $"incident-{input.Drill}";
        await IncidentOpener.OpenAsync(hub, configuration, id, new EmergencyResponseInput("critical", input.Summary, input.Drill, Trigger: "drill"));
        return id;
    }
}
