using System.CommandLine;
using System.Text.Json;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Reports;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr runs` and `dr runs show ID`: run records read from the object store itself, so they work with every
/// host lost; `show` prints a run's step timeline.
/// </summary>
public static class RunCommands
{
    public static Command Runs()
    {
        var runbook = new Option<string?>("--runbook") { Description = "Only the runs of this runbook" };
        var days = new Option<double>("--days") { Description = "Period, in days back from now", DefaultValueFactory = _ => 7 };
        var json = new Option<bool>("--json");
        var command = new Command("runs", "Recorded runs of every runbook, newest first: outcome, duration, steps") { runbook, days, json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var name = parse.GetValue(runbook);
            if (name is not null && RunbookRegistry.Find(name) is null)
            {
                Console.Error.WriteLine($"dr: no runbook named '{name}' (see `dr runbooks`)");
                return ExitCodes.BadRequest;
            }

            var now = DateTimeOffset.UtcNow;
            var runs = await Store(parse).ListAsync(now.AddDays(-parse.GetValue(days)), now, name, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(runs, DrJson.Indented));
                return ExitCodes.Ok;
            }

            foreach (var run in runs)
            {
                var failed = run.Error is { } e ? $"  {KebabCase.Of(e.Kind)}{(e.Step is null ? "" : $" in '{e.Step}'")}: {e.Message}" : "";
                Console.WriteLine($"{run.EndedAt:yyyy-MM-dd HH:mm:ss}Z {run.Runbook,-24} {KebabCase.Of(run.Outcome),-9} {run.DurationSeconds,8:F1} s " +
                    $"{run.Steps.Count,3} steps  {run.InstanceId}{failed}");
            }

            return ExitCodes.Ok;
        }));

        command.Subcommands.Add(Show());
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("instance-id");
        var json = new Option<bool>("--json");
        var command = new Command("show", "One run's record: every step with its start, end, duration, outcome and attempts") { id, json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var instanceId = parse.GetValue(id)!;
            if (await Store(parse).FindAsync(instanceId, ct) is not { } run)
            {
                Console.Error.WriteLine($"dr: no run record for '{instanceId}' (a run is recorded when it ends: `dr status {instanceId}` shows one that goes " +
                    $"on)");
                return ExitCodes.BadRequest;
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(run, DrJson.Indented));
                return ExitCodes.Ok;
            }

            Print(run);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>`dr report`: the seed's KPIs over a period, from the run records (the API's GET /api/reports/kpis).</summary>
    public static Command Report()
    {
        var days = new Option<double>("--days") { Description = "Period, in days back from now", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json");
        var command = new Command("report", "RTO and RPO compliance, backup, recovery and DR test success over a period, against the seed's targets; each " +
            "drill's readiness") { days, json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = now.AddDays(-parse.GetValue(days));
            var store = Store(parse);
            var drills = await new Orchestrations.Drills.DrillReports(store.Store).ListAsync(ct);
            var readiness = DrillReadiness.Of(drills, RunbookRegistry.LoadSchedules(Configuration(parse)), now);
            var report = KpiReport.Of(await store.ListAsync(from, now, cancellationToken: ct), from, now, readiness);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, DrJson.Indented));
                return ExitCodes.Ok;
            }

            Console.WriteLine($"{report.Runs} runs from {from:yyyy-MM-dd HH:mm}Z to {now:yyyy-MM-dd HH:mm}Z");
            foreach (var (name, kpi) in new[] { ("backup success", report.BackupSuccessRate), ("recovery success", report.RecoverySuccessRate),
                         ("RTO compliance", report.RtoCompliance), ("RPO compliance", report.RpoCompliance),
                         ("files RPO", report.FileStorageRpoCompliance!), ("DR test success", report.DrTestSuccess) })
            {
                var verdict = kpi.MeetsTarget switch { true => "meets", false => "BELOW", null => "no data" };
                Console.WriteLine($"  {name,-17} {(kpi.Value is { } v ? v.ToString("P1")
                    : "-"),7} ({kpi.Met}/{kpi.Samples}) target {kpi.Target:P1}: {verdict}");
            }

            foreach (var drill in report.Readiness ?? [])
            {
                Console.WriteLine($"  readiness {drill.Runbook,-18} {(drill.Ready ? "ready" : "OVERDUE"),-8} last pass " +
                    (drill.LastPassed is { } at ? $"{at:yyyy-MM-dd HH:mm}Z ({drill.AgeDays:F1} days ago)" : "never") +
                    $", every {drill.PeriodDays:F0} days ({drill.Cron})");
            }

            foreach (var sample in report.RtoSamples.Where(s => !s.Met))
            {
                Console.WriteLine($"  RTO missed: {sample.Runbook} {sample.InstanceId} took {sample.RtoSeconds:F0} s (objective {sample.ObjectiveSeconds:F0} " +
                    $"s)");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(RunRecord run)
    {
        Console.WriteLine($"{run.Runbook} v{run.Version} {run.InstanceId}: {KebabCase.Of(run.Outcome)} in {run.DurationSeconds:F3} s (trigger " +
            $"{run.Trigger}{(run.Subject is null ? "" : $", {run.Subject}")})");
        Console.WriteLine($"  from {run.StartedAt:O} to {run.EndedAt:O}; step times from the {run.Clock} clock");
        if (run.Error is { } error)
        {
            Console.WriteLine($"  {KebabCase.Of(error.Kind)}{(error.Step is null ? "" : $" in '{error.Step}'")}: {error.Message}");
        }

        var i = 0;
        foreach (var step in run.Steps)
        {
            Console.WriteLine($"  {++i,3}. {step.Name,-28} {step.StartedAt:HH:mm:ss.fff} → {step.EndedAt:HH:mm:ss.fff} {step.DurationSeconds,9:F3} s  " +
                $"{KebabCase.Of(step.Outcome),-10} {step.Attempts} attempt{(step.Attempts == 1 ? "" : "s")}{(step.Detail is null ? "" : $"  {step.Detail}")}");
        }

        foreach (var (figure, value) in run.Figures ?? new Dictionary<string, double>())
        {
            Console.WriteLine($"  {figure} = {value}");
        }
    }

    private static RunRecordStore Store(ParseResult parse) => new(Configuration(parse).OpenStore(State(parse)));
}
