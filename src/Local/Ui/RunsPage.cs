using System.Globalization;
using System.Text;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Local.Ui;

/// <summary>
/// The runs the record store holds, newest first, filtered (runbook, outcome, text in the run's id, trigger, subject or error, how
/// many days back) and cut into pages on the server: the browser gets one page of rows whatever the store holds.
/// </summary>
public static class RunsPage
{
    public const int PageSize = 50;

    public static async Task<IResult> RenderAsync(HttpContext http, RunRecordStore runs, DurableTaskClient client, TimeProvider clock)
    {
        var session = DashboardSignIn.Session(http);
        var query = http.Request.Query;
        var (runbook, outcome, text) = (query["runbook"].ToString(), query["outcome"].ToString(), query["q"].ToString().Trim());
        var daysGiven = Number(query["days"], 7, 1, RunRecordStore.DefaultKeep.TotalDays, out var days);
        var pageGiven = Number(query["page"], 1, 1, int.MaxValue, out var page);
        var problem = runbook.Length > 0 && RunbookRegistry.Find(runbook) is null ? $"runbook: no runbook named '{runbook}'"
            : outcome is not ("" or "succeeded" or "failed") ? $"outcome: '{outcome}' is neither succeeded nor failed"
            : !daysGiven ? $"days: '{query["days"]}' is not a whole number of days from 1 to {RunRecordStore.DefaultKeep.TotalDays}"
            : !pageGiven ? $"page: '{query["page"]}' is not a page number"
            : null;
        if (problem is not null)
        {
            return Html.Result("Runs", session, $"<h1>Runs</h1><p class=\"error\" role=\"alert\">{Html.E(problem)}</p>", StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow();
        var found = (await runs.ListAsync(now.AddDays(-days), now, runbook.Length > 0 ? runbook : null, http.RequestAborted))
            .Where(r => outcome.Length == 0 || (outcome == "succeeded") == r.Succeeded)
            .Where(r => text.Length == 0 || new[] { r.InstanceId, r.Runbook, r.Trigger, r.Subject, r.Error?.Message }
                .Any(f => f?.Contains(text, StringComparison.OrdinalIgnoreCase) == true))
            .OrderByDescending(r => r.StartedAt)
            .ToList();
        var pages = Math.Max(1, (found.Count + PageSize - 1) / PageSize);
        var shown = found.Skip(((int)page - 1) * PageSize).Take(PageSize);

        var body = new StringBuilder(await RunningAsync(client, http.RequestAborted));
        body.Append("<h1>Runs</h1><form class=\"filters\" method=\"get\" action=\"/ui/runs\">");
        body.Append("<select name=\"runbook\" aria-label=\"runbook\"><option value=\"\">every runbook</option>");
        foreach (var row in RunbookRegistry.All.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            body.Append(CultureInfo.InvariantCulture, $"<option{(row.Name == runbook ? " selected" : "")}>{Html.E(row.Name)}</option>");
        }

        body.Append("</select><select name=\"outcome\" aria-label=\"outcome\"><option value=\"\">any outcome</option>")
            .Append(CultureInfo.InvariantCulture, $"<option{(outcome == "succeeded" ? " selected" : "")}>succeeded</option>")
            .Append(CultureInfo.InvariantCulture, $"<option{(outcome == "failed" ? " selected" : "")}>failed</option></select>")
            .Append(CultureInfo.InvariantCulture, $"<input name=\"q\" placeholder=\"text\" value=\"{Html.E(text)}\" aria-label=\"text\">")
            .Append(CultureInfo.InvariantCulture, $"<input name=\"days\" type=\"number\" min=\"1\" value=\"{days}\" aria-label=\"days\"> days ")
            .Append("<button>Filter</button></form>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"muted\" id=\"count\" data-count=\"{found.Count}\">")
            .Append(CultureInfo.InvariantCulture, $"{found.Count} run(s), page {page} of {pages}</p>")
            .Append("<table id=\"runs\"><thead><tr><th>Started (UTC)</th><th>Runbook</th><th>Trigger</th><th>Subject</th><th>Took</th><th>Outcome</th></tr>")
            .Append("</thead><tbody>");
        foreach (var run in shown)
        {
            var state = run.Succeeded ? "succeeded" : "failed";
            body.Append(CultureInfo.InvariantCulture, $"<tr data-run=\"{Html.E(run.InstanceId)}\" data-runbook=\"{Html.E(run.Runbook)}\">")
                .Append(CultureInfo.InvariantCulture, $"<td><a href=\"/ui/runs/{Uri.EscapeDataString(run.InstanceId)}\">")
                .Append(CultureInfo.InvariantCulture, $"{run.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}</a></td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Html.E(run.Runbook)}</td><td>{Html.E(run.Trigger)}</td><td>{Html.E(run.Subject)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Html.Seconds(run.DurationSeconds)}</td><td class=\"{state}\">{state}</td></tr>");
        }

        body.Append("</tbody></table><p>");
        string Link(double to) => $"/ui/runs?runbook={Uri.EscapeDataString(runbook)}&outcome={outcome}&q={Uri.EscapeDataString(text)}&days={days}&page={to}";
        if (page > 1)
        {
            body.Append(CultureInfo.InvariantCulture, $"<a rel=\"prev\" href=\"{Html.E(Link(page - 1))}\">newer</a> ");
        }

        if (page < pages)
        {
            body.Append(CultureInfo.InvariantCulture, $"<a rel=\"next\" href=\"{Html.E(Link(page + 1))}\">older</a>");
        }

        return Html.Result("Runs", session, body.Append("</p>").ToString());
    }

    /// <summary>Runs that go on (a run has a record only once it ended), each linking to its live page.</summary>
    private static async Task<string> RunningAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending], PageSize = PageSize, FetchInputsAndOutputs = false,
        };
        var rows = new StringBuilder();
        var count = 0;
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            rows.Append(CultureInfo.InvariantCulture, $"<tr data-instance=\"{Html.E(instance.InstanceId)}\"><td><a href=\"/ui/instances/")
                .Append(CultureInfo.InvariantCulture, $"{Uri.EscapeDataString(instance.InstanceId)}\">{Html.E(instance.InstanceId)}</a></td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Html.E(instance.Name)}</td><td>{instance.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td></tr>");
            if (++count == PageSize)
            {
                break;
            }
        }

        return count == 0 ? "" : "<h2>Running now</h2><table id=\"running\"><thead><tr><th>Run</th><th>Runbook</th><th>Created (UTC)</th></tr></thead>" +
            $"<tbody>{rows}</tbody></table>";
    }

    private static bool Number(string? given, double fallback, double min, double max, out double value)
    {
        value = fallback;
        return string.IsNullOrEmpty(given)
            || (double.TryParse(given, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }
}
