using System.Text;
using System.Text.Json;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>One line of the drill index: enough to list drills and judge readiness without reading every report.</summary>
/// <param name="RpoSeconds">The drill's own RPO objective as measured (the prober's loss window; the backup-restore test's archive age);
/// null in entries written before it was kept.</param>
public sealed record DrillSummary(string Drill, string Runbook, DateTime StartedAt, DateTime EndedAt, bool Passed, double? RtoSeconds,
    double? LossWindowSeconds, int? LostWrites, string? Error, double? RpoSeconds = null);

/// <summary>
/// The drills' reports in the object store: <c>drills/{id}/report.json</c> and <c>report.html</c>, and an index entry per
/// drill under <c>drills/index/</c> (the newest first when listed), so the list does not walk the provers' ledgers.
/// </summary>
public sealed class DrillReports(IObjectStore store)
{
    private const string IndexPrefix = "drills/index/";

    public async Task WriteAsync(DrillReport report, CancellationToken cancellationToken = default)
    {
        await store.PutJsonAsync(DrillReport.JsonKey(report.Drill), report, cancellationToken);
        using (var html = new MemoryStream(Encoding.UTF8.GetBytes(DrillReportHtml.Render(report))))
        {
            await store.PutAsync(DrillReport.HtmlKey(report.Drill), html, cancellationToken);
        }

        // The index entry last: a drill is listed once its report can be read.
        await store.PutJsonAsync($"{IndexPrefix}{report.StartedAt:yyyyMMddTHHmmssfff}-{report.Drill}.json", Summary(report), cancellationToken);
    }

    public static DrillSummary Summary(DrillReport r) =>
        new(r.Drill, r.Runbook, r.StartedAt, r.EndedAt, r.Passed, r.Measured?.RtoSeconds, r.Measured?.LossWindowSeconds, r.Measured?.Lost.Count, r.Error,
            r.Objectives.FirstOrDefault(o => o.Name.StartsWith("RPO", StringComparison.Ordinal))?.MeasuredSeconds);

    /// <summary>Every drill with a stored report, newest first.</summary>
    public async Task<IReadOnlyList<DrillSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var found = new List<DrillSummary>();
        foreach (var item in (await store.ListAsync(IndexPrefix, cancellationToken)).OrderByDescending(i => i.Key, StringComparer.Ordinal))
        {
            found.Add(JsonSerializer.Deserialize<DrillSummary>(await store.ReadBytesAsync(item.Key, cancellationToken), DrJson.Options)!);
        }

        return found;
    }

    public async Task<DrillReport?> FindAsync(string drill, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(DrillReport.JsonKey(drill), cancellationToken) is null ? null
            : await store.ReadJsonAsync<DrillReport>(DrillReport.JsonKey(drill), cancellationToken);

    public async Task<string?> FindHtmlAsync(string drill, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(DrillReport.HtmlKey(drill), cancellationToken) is null ? null
            : Encoding.UTF8.GetString(await store.ReadBytesAsync(DrillReport.HtmlKey(drill), cancellationToken));
}
