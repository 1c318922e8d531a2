using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Orchestrations.Steps;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr drill list`, `dr drill report ID [--html FILE] [--json]` (read from the object store itself, like `dr runs`) and
/// `dr drill abort ID` (the run's Abort event: it undoes what it did and reports).
/// </summary>
public static class DrillReportCommands
{
    public static Command List()
    {
        var json = new Option<bool>("--json");
        var command = new Command("list", "Drills with a stored report, newest first: outcome, RTO, lost writes") { json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var drills = await Reports(parse).ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(drills, DrJson.Indented));
                return ExitCodes.Ok;
            }

            foreach (var d in drills)
            {
                Console.WriteLine($"{d.StartedAt:yyyy-MM-dd HH:mm:ss}Z {d.Runbook,-18} {(d.Passed ? "passed" : "FAILED"),-7} " +
                    $"{(d.EndedAt - d.StartedAt).TotalSeconds,7:F1} s " +
                    $"RTO {(d.RtoSeconds is { } r ? $"{r:0.###} s" : "n/a"),-9} lost {d.LostWrites?.ToString() ?? "n/a",-4} {d.Drill}" +
                    (d.Error is null ? "" : $"  {d.Error}"));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Report()
    {
        var id = new Argument<string>("drill-id");
        var html = new Option<string?>("--html") { Description = "Write the report's HTML page to this file" };
        var json = new Option<bool>("--json");
        var command = new Command("report", "One drill's report: objectives, stop conditions, deviations, cleanup (the HTML page with --html)")
        {
            id, html, json,
        };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var drill = parse.GetValue(id)!;
            if (DrIds.InstanceIdProblem(drill) is { } problem)
            {
                throw new BadInputException(problem);
            }

            var reports = Reports(parse);
            var report = await reports.FindAsync(drill, ct) ?? throw new BadInputException($"no report for drill '{drill}' (see `dr drill list`)");
            if (parse.GetValue(html) is { } file)
            {
                await File.WriteAllTextAsync(file, await reports.FindHtmlAsync(drill, ct) ?? DrillReportHtml.Render(report), ct);
                Console.Error.WriteLine($"dr: wrote {file}");
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, DrJson.Indented));
            }
            else
            {
                Console.WriteLine($"{report.Runbook} {report.Drill}: {(report.Passed ? "PASSED" : "FAILED")}" +
                    (report.Error is null ? "" : $": {report.Error}"));
                foreach (var o in report.Objectives)
                {
                    Console.WriteLine($"  {o.Name}: {(o.MeasuredSeconds is { } m ? $"{m:0.###} s" : "n/a")} (target {o.TargetSeconds:0} s) " +
                        (o.Met ? "met" : "MISSED"));
                }

                foreach (var c in report.StopConditions)
                {
                    Console.WriteLine($"  stop condition {c.Name} ({c.Threshold}): {(c.Fired ? $"FIRED: {c.Detail}" : "did not fire")}");
                }

                Console.WriteLine($"  cleanup: {report.Cleanup}");
            }

            return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    public static Command Abort()
    {
        var id = new Argument<string>("drill-id");
        var by = new Option<string>("--by") { Description = "Who aborts (recorded)", DefaultValueFactory = _ => Environment.UserName };
        var reason = new Option<string>("--reason") { Description = "Why (recorded)", DefaultValueFactory = _ => "aborted by hand" };
        var command = new Command("abort", "Stop a running drill: it undoes what it did (roles, DNS, fences, capacities) and stores its report")
        {
            id, by, reason,
        };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            await using var host = await HostAsync(parse, needsWorker: false, ct);
            var request = JsonSerializer.Serialize(new AbortRequest(parse.GetValue(by)!, parse.GetValue(reason)!), DrJson.Options);
            var reply = await host.Client.RaiseAsync(parse.GetValue(id)!, RunbookRun.AbortEvent, request);
            if (reply.Status != HttpStatusCode.Accepted)
            {
                return InstanceWatcher.Fail(reply);
            }

            Console.WriteLine($"abort sent to {parse.GetValue(id)}: it undoes what it did at its next step " +
                $"(`dr drill report {parse.GetValue(id)}` when it ends)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static DrillReports Reports(ParseResult parse) => new(LocalConfiguration.Build(parse.GetValue(Settings), State(parse)).OpenStore(State(parse)));
}
