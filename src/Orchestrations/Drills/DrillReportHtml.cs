using System.Globalization;
using System.Net;
using System.Text;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>
/// A drill report as one self-contained HTML page: inline CSS and SVG, no script, no external request. The Gantt has one
/// bar per step (the drill's and the driven runbooks'), on one time axis with the injection and the RTO budget line.
/// </summary>
public static class DrillReportHtml
{
    private const int Width = 960;
    private const int Label = 300;
    private const int Row = 18;

    public static string Render(DrillReport r)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"{r.Runbook} {r.Drill}")).Append("</title>")
            .Append("<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;")
            .Append("padding:2px 8px;text-align:left}.pass{color:#176b1b}.fail{color:#b00020}svg text{font:11px monospace}</style></head><body>");
        html.Append("<h1>").Append(E(r.Runbook)).Append(' ').Append(E(r.Drill)).Append(": <span class=\"").Append(r.Passed ? "pass\">PASSED" : "fail\">FAILED")
            .Append("</span></h1>");
        html.Append("<p><b>Hypothesis.</b> ").Append(E(r.Hypothesis)).Append("</p>");
        if (r.Error is not null)
        {
            html.Append("<p class=\"fail\"><b>Error.</b> ").Append(E(r.Error)).Append("</p>");
        }

        html.Append("<p>").Append(E($"{r.StartedAt:u} → {r.EndedAt:u}; injector {r.Injector}; injected {r.InjectedAt?.ToString("u") ?? "nothing"}"))
            .Append("</p><ul>");
        foreach (var action in r.Injected)
        {
            html.Append("<li>").Append(E(action)).Append("</li>");
        }

        foreach (var note in r.Notes ?? [])
        {
            html.Append("<li>").Append(E(note)).Append("</li>");
        }

        html.Append("</ul><h2>Objectives</h2><table><tr><th>objective</th><th>target</th><th>measured</th><th>met</th></tr>");
        foreach (var o in r.Objectives)
        {
            html.Append("<tr><td>").Append(E(o.Name)).Append("</td><td>").Append(S(o.TargetSeconds)).Append("</td><td>").Append(S(o.MeasuredSeconds))
                .Append("</td><td class=\"").Append(o.Met ? "pass\">yes" : "fail\">no").Append("</td></tr>");
        }

        html.Append("</table>");
        if (r.Measured is { } m)
        {
            html.Append("<p>").Append(E($"Prober: {m.Attempts} writes, {m.Acknowledged} acknowledged, {m.Failed} failed; {m.Lost.Count} acknowledged writes " +
                $"lost, {m.Unverified} unverified; prober down {m.ProberDown.Sum(d => d.Seconds):0.##} s" +
                (m.ProberDownInOutage ? " (during the outage: the RTO is an upper bound)" : ""))).Append("</p>");
            html.Append(RateChart(m.PerSecond));
        }

        html.Append("<h2>Steps</h2>").Append(Gantt(r));
        foreach (var (title, state) in new[] { ("Steady state before", r.Before), ("Steady state after", r.After) })
        {
            html.Append("<h2>").Append(title).Append("</h2>");
            if (state is null)
            {
                html.Append("<p>not checked</p>");
                continue;
            }

            html.Append("<table>");
            foreach (var p in state.Probes)
            {
                html.Append("<tr><td>").Append(E(p.Name)).Append("</td><td class=\"").Append(p.Passed ? "pass\">holds" : "fail\">fails").Append("</td><td>")
                    .Append(E(p.Detail)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<h2>Stop conditions</h2><table>");
        foreach (var c in r.StopConditions)
        {
            html.Append("<tr><td>").Append(E(c.Name)).Append("</td><td>").Append(E(c.Threshold)).Append("</td><td class=\"")
                .Append(c.Fired ? "fail\">fired" : "pass\">did not fire").Append("</td><td>").Append(E(c.Detail ?? "")).Append("</td></tr>");
        }

        html.Append("</table><h2>Deviations</h2><ul>");
        foreach (var d in r.Deviations.DefaultIfEmpty("none"))
        {
            html.Append("<li>").Append(E(d)).Append("</li>");
        }

        html.Append("</ul>");
        foreach (var incident in r.Incidents ?? [])
        {
            html.Append("<h2>Incident ").Append(E(incident.Id)).Append("</h2><p>").Append(incident.Ticks.Count).Append(" of ").Append(incident.Items)
                .Append(" checklist items ticked while the drill ran</p><table>");
            foreach (var t in incident.Ticks)
            {
                html.Append("<tr><td>").Append(E(t.Text)).Append("</td><td>").Append(E(t.Outcome)).Append(" by ").Append(E(t.By)).Append("</td><td>")
                    .Append(t.SecondsAfterOpen.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)).Append(" s after it opened</td><td>")
                    .Append(E(t.Evidence ?? "")).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<h2>Cleanup</h2><p>").Append(E(r.Cleanup)).Append("</p></body></html>");
        return html.ToString();
    }

    /// <summary>Every step as a bar: the drill's own, then each driven run's, labelled by run.</summary>
    private static string Gantt(DrillReport r)
    {
        var bars = r.Steps.Select(s => ("drill", s)).Concat((r.Measured?.Driven ?? []).SelectMany(d => d.Steps.Select(s => (d.Runbook, s))))
            .OrderBy(b => b.s.StartedAt).ToList();
        if (bars.Count == 0)
        {
            return "<p>no steps</p>";
        }

        var start = bars.Min(b => b.s.StartedAt);
        var end = bars.Max(b => b.s.EndedAt);
        var span = Math.Max(0.001, (end - start).TotalSeconds);
        double X(DateTimeOffset t) => Label + (Width - Label - 10) * (t - start).TotalSeconds / span;
        var height = (bars.Count + 2) * Row;
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"steps\">");
        for (var i = 0; i < bars.Count; i++)
        {
            var (run, step) = bars[i];
            var y = (i + 1) * Row;
            var x = X(step.StartedAt);
            var w = Math.Max(1.5, X(step.EndedAt) - x);
            var color = step.Outcome is StepOutcome.Failed or StepOutcome.TimedOut or StepOutcome.Rejected ? "#b00020" : step.Undo ? "#d08000"
                : run == "drill" ? "#4062bb" : "#2a9d8f";
            svg.Append($"<text x=\"0\" y=\"{y + 12}\">{E(Clip($"{run}: {step.Name}", 44))}</text>")
                .Append($"<rect class=\"step\" x=\"{F(x)}\" y=\"{y + 2}\" width=\"{F(w)}\" height=\"{Row - 4}\" fill=\"{color}\">")
                .Append($"<title>{E($"{run}: {step.Name} {step.DurationSeconds:0.###} s {KebabCase.Of(step.Outcome)} {step.Detail}")}</title></rect>");
        }

        if (r.InjectedAt is { } injected)
        {
            Line(svg, X(injected), height, "#b00020", "injection");
            if (r.Objectives.FirstOrDefault(o => o.Name.StartsWith("RTO", StringComparison.Ordinal)) is { } rto
                && injected.AddSeconds(rto.TargetSeconds) <= end)
            {
                Line(svg, X(injected.AddSeconds(rto.TargetSeconds)), height, "#000", "RTO budget");
            }
        }

        return svg.Append("</svg>").ToString();
    }

    private static void Line(StringBuilder svg, double x, int height, string color, string label) =>
        svg.Append($"<line x1=\"{F(x)}\" y1=\"0\" x2=\"{F(x)}\" y2=\"{height}\" stroke=\"{color}\" stroke-dasharray=\"4 2\"/>")
            .Append($"<text x=\"{F(x + 2)}\" y=\"10\" fill=\"{color}\">{label}</text>");

    /// <summary>Acknowledged (up) and failed (down) writes per second.</summary>
    private static string RateChart(IReadOnlyList<ProbeSecond> seconds)
    {
        if (seconds.Count == 0)
        {
            return "";
        }

        var max = Math.Max(1, seconds.Max(s => Math.Max(s.Acknowledged, s.Failed)));
        var step = (double)(Width - 10) / seconds.Count;
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"120\" role=\"img\" " +
            "aria-label=\"writes per second\">");
        for (var i = 0; i < seconds.Count; i++)
        {
            var up = 55.0 * seconds[i].Acknowledged / max;
            var down = 55.0 * seconds[i].Failed / max;
            svg.Append($"<rect x=\"{F(i * step)}\" y=\"{F(60 - up)}\" width=\"{F(Math.Max(1, step - 1))}\" height=\"{F(up)}\" fill=\"#2a9d8f\"/>")
                .Append($"<rect x=\"{F(i * step)}\" y=\"60\" width=\"{F(Math.Max(1, step - 1))}\" height=\"{F(down)}\" fill=\"#b00020\"/>");
        }

        return svg.Append($"<text x=\"0\" y=\"118\">acknowledged (up) and failed (down) writes per second, max {max}/s</text></svg>").ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string S(double? seconds) => seconds is { } s ? s.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "n/a";

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
