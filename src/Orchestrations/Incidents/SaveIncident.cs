using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>Writes the incident's record (idempotent: the whole record, as the runbook knows it now).</summary>
public sealed class SaveIncident(RunRecordStore runs) : DrActivity<SaveIncident, IncidentRecord, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, IncidentRecord input)
    {
        await new IncidentStore(runs.Store).WriteAsync(input);
        return IncidentRecord.Key(input.Id);
    }
}
