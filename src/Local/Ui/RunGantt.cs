using System.Globalization;
using System.Text;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Local.Ui;

/// <summary>
/// A run's steps as a Gantt chart in inline SVG, one bar per step in the record's order on the run's own time axis, then the
/// runbook's planned steps the run never reached, greyed. Each bar carries its step's name and outcome for the eye and for tests.
/// </summary>
public static class RunGantt
{
    private const int LabelWidth = 240;
    private const int BarsWidth = 640;
    private const int Row = 24;

    public static string Svg(RunRecord run, IReadOnlyList<string> planned)
    {
        var notRun = planned.Where(p => run.Steps.All(s => s.Name != p)).ToList();
        var rows = run.Steps.Count + notRun.Count;
        var total = Math.Max(run.DurationSeconds, 0.001);
        double X(DateTimeOffset at) => LabelWidth + BarsWidth * Math.Clamp((at - run.StartedAt).TotalSeconds / total, 0, 1);
        var height = (rows + 1) * Row + 8;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"gantt\" role=\"img\" aria-label=\"steps of {Html.E(run.Runbook)}\" ")
            .Append(CultureInfo.InvariantCulture, $"width=\"{LabelWidth + BarsWidth + 20}\" ")
            .Append(CultureInfo.InvariantCulture, $"height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        for (var i = 0; i < run.Steps.Count; i++)
        {
            var step = run.Steps[i];
            var (x, y) = (X(step.StartedAt), i * Row + 4);
            var width = Math.Max(X(step.EndedAt) - x, 2);
            var outcome = KebabCase.Of(step.Outcome);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"step\" data-step=\"{Html.E(step.Name)}\" data-outcome=\"{outcome}\" data-index=\"{i}\">")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 16}\">{Html.E(Clip(step.Name))}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{x:F1}\" y=\"{y + 3}\" width=\"{width:F1}\" height=\"{Row - 8}\" rx=\"3\" ")
                .Append(CultureInfo.InvariantCulture, $"fill=\"{Colour(step)}\">")
                .Append(CultureInfo.InvariantCulture, $"<title>{Html.E(step.Name)}: {outcome}, {Html.Seconds(step.DurationSeconds)}, ")
                .Append(CultureInfo.InvariantCulture, $"{step.Attempts} attempt(s){(step.Detail is { } d ? " — " + Html.E(d) : "")}</title></rect></g>");
        }

        for (var i = 0; i < notRun.Count; i++)
        {
            var y = (run.Steps.Count + i) * Row + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"step not-run\" data-step=\"{Html.E(notRun[i])}\" data-outcome=\"not-run\">")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 16}\" fill=\"#8a93a6\">{Html.E(Clip(notRun[i]))}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{BarsWidth}\" height=\"{Row - 8}\" rx=\"3\" ")
                .Append("fill=\"#eef0f4\">")
                .Append("<title>planned, not run</title></rect></g>");
        }

        var axis = rows * Row + 18;
        foreach (var share in new[] { 0, 0.5, 1 })
        {
            var x = LabelWidth + BarsWidth * share;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{axis}\" text-anchor=\"middle\" fill=\"#8a93a6\">")
                .Append(CultureInfo.InvariantCulture, $"{Html.Seconds(total * share)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Colour(StepRecord step) => step.Outcome switch
    {
        StepOutcome.Succeeded or StepOutcome.Approved => step.Undo ? "#b7791f" : "#2f855a",
        StepOutcome.Skipped => "#a0aec0",
        _ => "#c53030",
    };

    private static string Clip(string name) => name.Length <= 32 ? name : name[..31] + "…";
}
