using System.Text;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>Stores the report as JSON and as its HTML page (overwriting: a retry writes the same).</summary>
public sealed class WriteDrillReport(IObjectStore store) : DrActivity<WriteDrillReport, DrillReport, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, DrillReport report)
    {
        await store.PutJsonAsync(DrillReport.JsonKey(report.Drill), report);
        using var html = new MemoryStream(Encoding.UTF8.GetBytes(DrillReportHtml.Render(report)));
        await store.PutAsync(DrillReport.HtmlKey(report.Drill), html);
        return DrillReport.JsonKey(report.Drill);
    }
}
