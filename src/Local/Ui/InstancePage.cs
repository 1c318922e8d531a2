using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Http;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;

namespace CausalEval.Dr.Local.Ui;

/// <summary>
/// A run that goes on, from the task hub: its runbook's planned steps, those before the one it is at done, the rest greyed, the page
/// reloading itself until the run ends (then its record). At a waiting gate an operator approves or rejects here, with a reason,
/// as the person who signed in; the decision takes the API's path and checks (<see cref="OperatorApi"/>), so it is recorded the same.
/// </summary>
public static class InstancePage
{
    public static async Task<IResult> RenderAsync(string id, HttpContext http, DurableTaskClient client, RunRecordStore runs)
    {
        var session = DashboardSignIn.Session(http);
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: false, http.RequestAborted);
        if (instance is null)
        {
            return Html.Result("Run", session, $"<p class=\"error\">No run '{Html.E(id)}' in the task hub.</p>", StatusCodes.Status404NotFound);
        }

        if (instance.IsCompleted && await runs.FindAsync(id, http.RequestAborted) is not null)
        {
            return Results.Redirect($"/ui/runs/{Uri.EscapeDataString(id)}");
        }

        var status = RunbookStatus.Of(instance.SerializedCustomStatus);
        var body = new StringBuilder();
        var state = KebabCase.Of(instance.RuntimeStatus);
        body.Append(CultureInfo.InvariantCulture, $"<h1>{Html.E(instance.Name)} <span id=\"state\" data-state=\"{state}\">{state}</span></h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>Run <code>{Html.E(id)}</code>, created {instance.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC")
            .Append(status is null ? "" : $", step {status.Index} of {status.Count} '{Html.E(status.Step)}' since {status.StepStartedAt:HH:mm:ss} UTC")
            .Append(status?.Detail is { } detail ? $": {Html.E(detail)}" : "").Append(".</p>");
        if (!instance.IsCompleted)
        {
            http.Response.Headers["Refresh"] = "2"; // live until the run ends; the record's page takes over then
        }

        body.Append("<ol id=\"planned\">");
        var planned = RunbookRegistry.Find(instance.Name)?.PlannedSteps ?? [];
        var at = status is null ? -1 : planned.ToList().IndexOf(status.Step);
        for (var i = 0; i < planned.Count; i++)
        {
            var (css, what) = i < at ? ("done", "done or skipped")
                : i == at ? (status!.AwaitingDecision ? "waiting" : "current", "now")
                : ("not-run", "not yet");
            body.Append(CultureInfo.InvariantCulture, $"<li class=\"{css}\" data-step=\"{Html.E(planned[i])}\" data-state=\"{css}\">{Html.E(planned[i])} ")
                .Append(CultureInfo.InvariantCulture, $"<span class=\"muted\">{what}</span></li>");
        }

        body.Append("</ol>");
        if (status is { AwaitingDecision: true } && !instance.IsCompleted)
        {
            body.Append(session.CanAct ? DecisionForms(id, status.Index, session) : "<p id=\"awaiting\">Waiting for an operator's decision.</p>");
        }

        return Html.Result(instance.Name, session, body.ToString());
    }

    /// <summary>An operator's decision at the gate the page showed (its step, so a stale page decides nothing at a later gate).</summary>
    public static async Task<IResult> DecideAsync(string id, bool approve, HttpContext http, OperatorApi api)
    {
        var session = DashboardSignIn.Session(http);
        if (!session.CanAct)
        {
            return Html.Result("Refused", session, "<p class=\"error\">Readers cannot approve or reject: sign in with the API token.</p>",
                StatusCodes.Status403Forbidden);
        }

        var form = await http.Request.ReadFormAsync();
        var reason = form["reason"].ToString().Trim();
        if (reason.Length == 0 || !int.TryParse(form["step"], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
        {
            return Html.Result("Refused", session, "<p class=\"error\">A decision needs its reason (and the step the page showed).</p>",
                StatusCodes.Status400BadRequest);
        }

        var result = await api.DecideAsync(id, approve, new ApprovalDecision(session.Person, reason, step), http.Request);
        if (result is IStatusCodeHttpResult { StatusCode: < 300 })
        {
            return Results.Redirect($"/ui/instances/{Uri.EscapeDataString(id)}");
        }

        var why = (result as IValueHttpResult)?.Value is JsonObject { } error ? error["error"]?.ToString() : null;
        return Html.Result("Not decided", session, $"<p class=\"error\" role=\"alert\">{Html.E(why ?? "the decision was refused")}</p>" +
            $"<p><a href=\"/ui/instances/{Html.E(Uri.EscapeDataString(id))}\">back to the run</a></p>", (result as IStatusCodeHttpResult)?.StatusCode ?? 409);
    }

    private static string DecisionForms(string id, int step, DashboardSession session)
    {
        var action = $"/ui/instances/{Html.E(Uri.EscapeDataString(id))}";
        return $"""
            <section id="decision"><h2>Waiting at an approval gate</h2>
            <form method="post" action="{action}/approve">{Html.CsrfField(session)}<input type="hidden" name="step" value="{step}">
            <p><label>Reason <input name="reason" required maxlength="2000"></label>
            <button id="approve">Approve as {Html.E(session.Person)}</button></p></form>
            <form method="post" action="{action}/reject">{Html.CsrfField(session)}<input type="hidden" name="step" value="{step}">
            <p><label>Reason <input name="reason" required maxlength="2000"></label> <button id="reject">Reject as {Html.E(session.Person)}</button></p></form>
            </section>
            """;
    }

}
