using System.Globalization;
using System.Text;
using CausalEval.Dr.Orchestrations.Http;
using CausalEval.Dr.Orchestrations.Reports;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Local.Ui;

/// <summary>The seed's KPIs against their targets, from the same report as <c>GET /api/reports/kpis</c> and `dr report` (last 30 days).</summary>
public static class KpiPage
{
    public const double Days = 30;

    public static async Task<IResult> RenderAsync(HttpContext http, ReportsApi reports)
    {
        var report = await reports.KpiReportAsync(Days, http.RequestAborted);
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<h1>KPIs</h1><p>{report.Runs} run(s) from {report.From.UtcDateTime:yyyy-MM-dd HH:mm} to ")
            .Append(CultureInfo.InvariantCulture, $"{report.To.UtcDateTime:yyyy-MM-dd HH:mm} UTC.</p>")
            .Append("<table id=\"kpis\"><thead><tr><th>KPI</th><th>Value</th><th>Target</th><th>Met / samples</th><th>Definition</th></tr></thead><tbody>");
        foreach (var (name, kpi) in Kpis(report))
        {
            var verdict = kpi.MeetsTarget switch { true => "succeeded", false => "failed", null => "muted" };
            var (value, target) = (kpi.Value?.ToString("R", CultureInfo.InvariantCulture), kpi.Target.ToString("R", CultureInfo.InvariantCulture));
            body.Append(CultureInfo.InvariantCulture, $"<tr data-kpi=\"{name}\" data-value=\"{value}\" ")
                .Append(CultureInfo.InvariantCulture, $"data-target=\"{target}\" data-samples=\"{kpi.Samples}\" ")
                .Append(CultureInfo.InvariantCulture, $"data-met=\"{kpi.Met}\"><td>{Html.E(name)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"{verdict}\">")
                .Append(kpi.Value is { } share ? share.ToString("P1", CultureInfo.InvariantCulture) : "no data").Append("</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{kpi.Target.ToString("P1", CultureInfo.InvariantCulture)}</td><td>{kpi.Met} / {kpi.Samples}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Html.E(kpi.Definition)}</td></tr>");
        }

        body.Append("</tbody></table>");
        return Html.Result("KPIs", DashboardSignIn.Session(http), body.ToString());
    }

    /// <summary>Named as the report's JSON names them.</summary>
    private static IEnumerable<(string Name, Kpi Kpi)> Kpis(KpiReport report)
    {
        yield return ("backupSuccessRate", report.BackupSuccessRate);
        yield return ("recoverySuccessRate", report.RecoverySuccessRate);
        yield return ("rtoCompliance", report.RtoCompliance);
        yield return ("rpoCompliance", report.RpoCompliance);
        yield return ("drTestSuccess", report.DrTestSuccess);
        if (report.FileStorageRpoCompliance is { } files)
        {
            yield return ("fileStorageRpoCompliance", files);
        }
    }
}
