using System.Globalization;
using System.Text;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Local.Ui;

/// <summary>One run from its record: what it was, how it ended, its steps as a Gantt chart (<see cref="RunGantt"/>) and as a table.</summary>
public static class RunPage
{
    public static async Task<IResult> RenderAsync(string id, HttpContext http, RunRecordStore runs)
    {
        var session = DashboardSignIn.Session(http);
        if (await runs.FindAsync(id, http.RequestAborted) is not { } run)
        {
            return Html.Result("Run", session, $"<h1>Run {Html.E(id)}</h1><p class=\"error\">No record of a run '{Html.E(id)}': a run " +
                "is recorded when it ends.</p>", StatusCodes.Status404NotFound);
        }

        var planned = RunbookRegistry.Find(run.Runbook)?.PlannedSteps ?? [];
        var state = run.Succeeded ? "succeeded" : "failed";
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<h1>{Html.E(run.Runbook)} <span class=\"{state}\" id=\"outcome\">{state}</span></h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>Run <code>{Html.E(run.InstanceId)}</code>, version {Html.E(run.Version)}, started by ")
            .Append(CultureInfo.InvariantCulture, $"{Html.E(run.Trigger)} at {run.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, ")
            .Append(CultureInfo.InvariantCulture, $"took {Html.Seconds(run.DurationSeconds)}")
            .Append(run.Subject is { } subject ? $", on {Html.E(subject)}" : "").Append(".</p>");
        if (run.Error is { } error)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"error\" id=\"error\">{Html.E(KebabCase.Of(error.Kind))}")
                .Append(error.Step is { } step ? $" in step {Html.E(step)}" : "").Append(CultureInfo.InvariantCulture, $": {Html.E(error.Message)}</p>");
        }

        body.Append(RunGantt.Svg(run, planned))
            .Append("<table id=\"steps\"><thead><tr><th>#</th><th>Step</th><th>Outcome</th><th>Took</th><th>Attempts</th><th>Detail</th></tr></thead><tbody>");
        for (var i = 0; i < run.Steps.Count; i++)
        {
            var step = run.Steps[i];
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{i + 1}</td><td>{Html.E(step.Name)}{(step.Undo ? " (undo)" : "")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{KebabCase.Of(step.Outcome)}</td><td>{Html.Seconds(step.DurationSeconds)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{step.Attempts}</td><td>{Html.E(step.Detail)}</td></tr>");
        }

        body.Append("</tbody></table>");
        if (run.Figures is { Count: > 0 } figures)
        {
            body.Append("<h2>Figures</h2><table id=\"figures\"><tbody>");
            foreach (var (name, value) in figures.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                body.Append(CultureInfo.InvariantCulture, $"<tr><td>{Html.E(name)}</td><td>{value:G6}</td></tr>");
            }

            body.Append("</tbody></table>");
        }

        return Html.Result(run.Runbook, session, body.ToString());
    }
}
