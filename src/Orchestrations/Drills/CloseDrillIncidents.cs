using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Orchestrations.Incidents;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>A checklist item of an incident a drill caused, and how long after the incident opened it was ticked.</summary>
public sealed record DrillIncidentTick(string Item, string Text, string Outcome, string By, double SecondsAfterOpen, string? Evidence);

/// <summary>An incident the drill caused (the monitor opened it when it failed over), as the drill's report shows it.</summary>
public sealed record DrillIncident(string Id, DateTime OpenedAt, IReadOnlyList<DrillIncidentTick> Ticks, int Items);

/// <param name="Close">False when a real failover stopped the drill: an incident opened meanwhile may be real, and stays open.</param>
public sealed record CloseDrillIncidentsInput(string Drill, bool Close);

/// <summary>
/// The incidents this drill caused, closed ("the drill is over": their overdue items would otherwise alert for days), with
/// each tick so far and its time from the incident's opening, for the report. Closing an incident closed already does nothing.
/// </summary>
public sealed class CloseDrillIncidents(RunRecordStore runs, IInstanceStarter hub)
    : DrActivity<CloseDrillIncidents, CloseDrillIncidentsInput, IReadOnlyList<DrillIncident>>
{
    public override async Task<IReadOnlyList<DrillIncident>> RunAsync(TaskActivityContext context, CloseDrillIncidentsInput input)
    {
        var drill = input.Drill;
        var found = new List<DrillIncident>();
        foreach (var incident in (await new IncidentStore(runs.Store).ListAsync()).Where(i => i.Drill == drill))
        {
            if (incident.Open && input.Close)
            {
                await hub.RaiseEventAsync(incident.Id, EmergencyResponse.ActionEvent, new IncidentAction("close", By: $"drill {drill}",
                    Reason: "the drill is over"));
            }

            found.Add(new DrillIncident(incident.Id, incident.OpenedAt, incident.Items.Where(i => i.Tick is not null).Select(i =>
                new DrillIncidentTick(i.Id, i.Text, i.Tick!.Outcome, i.Tick.By, Math.Round((i.Tick.At - incident.OpenedAt).TotalSeconds, 3), i.Tick.Evidence))
                .ToList(), incident.Items.Count));
        }

        return found;
    }
}
