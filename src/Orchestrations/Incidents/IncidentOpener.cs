using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>Opens an incident (the EmergencyResponse runbook) from a step: under an id its opener derives, so a repeated step opens it once.</summary>
public static class IncidentOpener
{
    /// <returns>False when an incident with that id exists already.</returns>
    public static Task<bool> OpenAsync(IInstanceStarter hub, IConfiguration configuration, string id, EmergencyResponseInput input)
    {
        var incident = RunbookRegistry.Find(typeof(EmergencyResponse))!;
        return hub.TryStartAsync(incident.Name, RunbookRegistry.StartVersion(incident, configuration), id, input);
    }
}
