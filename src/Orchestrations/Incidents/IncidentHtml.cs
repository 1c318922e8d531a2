using System.Globalization;
using System.Net;
using System.Text;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>
/// An incident as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched), like a drill's report: a
/// timeline with one row per checklist item (from the incident's start to its due time, the tick marked where it came),
/// then the checklist with each item's phase, owner, due time and who ticked it, when, with what evidence.
/// </summary>
public static class IncidentHtml
{
    private const int Width = 960;
    private const int Label = 320;
    private const int Row = 18;

    public static string Render(IncidentRecord incident, DateTime now)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(incident.Id)).Append("</title>")
            .Append("<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;")
            .Append("padding:2px 8px;text-align:left}.done{color:#176b1b}.late{color:#b00020}svg text{font:11px monospace}</style></head><body>");
        html.Append("<h1>").Append(E(incident.Id)).Append(": ").Append(E(incident.Severity)).Append("</h1><p>").Append(E(incident.Summary)).Append("</p><p>")
            .Append(E($"opened {incident.OpenedAt:u} ({incident.Trigger}{(incident.Drill is { } d ? $", drill {d}" : "")}); " +
                (incident.ClosedAt is { } closed ? $"closed {closed:u} by {incident.ClosedBy}" : "open")))
            .Append("; checklist version ").Append(E(incident.ChecklistVersion)).Append("</p>");
        html.Append(Timeline(incident, incident.ClosedAt ?? now));
        html.Append("<table><tr><th>phase</th><th>item</th><th>owner</th><th>due</th><th>state</th><th>evidence or note</th></tr>");
        foreach (var item in incident.Items)
        {
            var late = item.Tick is null && (incident.ClosedAt ?? now) >= item.DueAt;
            var state = item.Tick is { } t ? $"{t.Outcome} by {t.By} at {t.At:u} ({(t.At - incident.OpenedAt).TotalSeconds:0.#} s)"
                : late ? "OVERDUE" : "open";
            html.Append("<tr><td>").Append(E(item.Phase)).Append("</td><td>").Append(E(item.Text)).Append("</td><td>").Append(E(item.Owner)).Append("</td><td>")
                .Append(E(item.DueAt.ToString("u", CultureInfo.InvariantCulture))).Append("</td><td class=\"")
                .Append(item.Tick is not null ? "done" : late ? "late" : "")
                .Append("\">").Append(E(state)).Append("</td><td>").Append(E(item.Tick?.Evidence ?? item.Tick?.Note ?? "")).Append("</td></tr>");
        }

        html.Append("</table></body></html>");
        return html.ToString();
    }

    /// <summary>One row per item on a time axis from the start to the last due or tick time: a bar to the due time, a dot at the tick.</summary>
    private static string Timeline(IncidentRecord incident, DateTime end)
    {
        var last = incident.Items.Select(i => i.Tick?.At ?? i.DueAt).Append(end).Where(t => t - incident.OpenedAt < TimeSpan.FromDays(8)).Max();
        var span = Math.Max(1, (last - incident.OpenedAt).TotalSeconds);
        double X(DateTime at) => Label + Math.Clamp((at - incident.OpenedAt).TotalSeconds / span, 0, 1) * (Width - Label - 10);
        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Width).Append("\" height=\"").Append(Row * incident.Items.Count + 24)
            .Append("\">");
        for (var i = 0; i < incident.Items.Count; i++)
        {
            var item = incident.Items[i];
            var y = i * Row + 4;
            svg.Append("<text x=\"0\" y=\"").Append(y + 12).Append("\">").Append(E(Short(item.Text))).Append("</text>")
                .Append("<rect class=\"item\" x=\"").Append(F(X(incident.OpenedAt))).Append("\" y=\"").Append(y + 3).Append("\" width=\"")
                .Append(F(Math.Max(1, X(item.DueAt) - X(incident.OpenedAt)))).Append("\" height=\"10\" fill=\"#dde6f5\"/>");
            if (item.Tick is { } tick)
            {
                svg.Append("<circle cx=\"").Append(F(X(tick.At))).Append("\" cy=\"").Append(y + 8).Append("\" r=\"4\" fill=\"")
                    .Append(tick.Outcome == "done" ? "#176b1b" : "#888").Append("\"><title>").Append(E($"{tick.Outcome} by {tick.By} at {tick.At:u}"))
                    .Append("</title></circle>");
            }
        }

        svg.Append("<text x=\"").Append(Label).Append("\" y=\"").Append(Row * incident.Items.Count + 20).Append("\">0 s</text><text x=\"")
            .Append(Width - 120).Append("\" y=\"").Append(Row * incident.Items.Count + 20).Append("\">").Append(F(span)).Append(" s</text></svg>");
        return svg.ToString();
    }

    private static string Short(string text) => text.Length <= 44 ? text : text[..43] + "…";

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
