using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>Stores the report as JSON, as its HTML page, and in the drill index (overwriting: a retry writes the same).</summary>
public sealed class WriteDrillReport(IObjectStore store) : DrActivity<WriteDrillReport, DrillReport, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, DrillReport report)
    {
        await new DrillReports(store).WriteAsync(report);
        return DrillReport.JsonKey(report.Drill);
    }
}
