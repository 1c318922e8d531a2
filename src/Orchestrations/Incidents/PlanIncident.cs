using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>The incident's checklist as it will be run: each item's due time after the start, in seconds.</summary>
public sealed record IncidentPlan(string ChecklistVersion, IReadOnlyDictionary<string, double> DueSeconds);

/// <summary>
/// The checklist's due times for a new incident: the template's, scaled by <c>Incidents:DueFactor</c> (1; a lab or a test
/// shrinks the seed's minutes to seconds). Read once, at the start: the incident keeps its plan whatever changes later.
/// </summary>
public sealed class PlanIncident(IConfiguration configuration) : DrActivity<PlanIncident, string, IncidentPlan>
{
    public override Task<IncidentPlan> RunAsync(TaskActivityContext context, string incident)
    {
        var factor = configuration.GetValue<double?>("Incidents:DueFactor") ?? 1;
        if (factor is <= 0 or > 100)
        {
            throw new Core.Errors.DrConfigurationException($"Incidents:DueFactor: {factor} is outside (0, 100]");
        }

        return Task.FromResult(new IncidentPlan(EmergencyChecklist.Version,
            EmergencyChecklist.Items.ToDictionary(i => i.Id, i => Math.Round(i.Due.TotalSeconds * factor, 3))));
    }
}
