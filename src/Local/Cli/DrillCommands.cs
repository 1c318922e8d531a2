using System.CommandLine;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Local.Drills;
using CausalEval.Dr.Orchestrations.Drills;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// The drills on the lab: `dr drill failover` and `dr drill backup-restore` run the drill runbooks (FailoverTest,
/// BackupRestoreTest) and print their reports; `dr drill switchover` times planned moves there and back under load;
/// `list`, `report` and `abort` (DrillReportCommands) work on any drill.
/// </summary>
public static class DrillCommands
{
    public static Command Drill()
    {
        var drill = new Command("drill", "DR drills: inject a failure or restore a backup, measure RTO and RPO, put everything back, report");
        drill.Subcommands.Add(Failover());
        drill.Subcommands.Add(BackupRestore());
        drill.Subcommands.Add(RunbookDrillCommand("full", nameof(FullDrSimulation), "The FullDrSimulation runbook on the lab: lose both live " +
            "regions under the prober's writes, recover in the cold DR region, rebuild the original layout; the report"));
        drill.Subcommands.Add(Switchover());
        drill.Subcommands.Add(DrillReportCommands.List());
        drill.Subcommands.Add(DrillReportCommands.Report());
        drill.Subcommands.Add(DrillReportCommands.Abort());
        return drill;
    }

    private static Command Failover()
    {
        var rate = new Option<double>("--rate") { Description = "The prober's writes per second through api. during the drill", DefaultValueFactory = _ => 20 };
        var command = RunbookDrillCommand("failover", nameof(FailoverTest), "The FailoverTest runbook on the lab: lose the primary region under the " +
            "prober's writes; the monitor fails over; revive, fail back; the report", rate);
        return command;
    }

    private static Command BackupRestore() =>
        RunbookDrillCommand("backup-restore", nameof(BackupRestoreTest), "The BackupRestoreTest runbook on the lab: catalog and WAL chain checked, the " +
            "newest backup restored to a random moment into a sandbox and checked against the truth, marked verified, the sandbox dropped");

    /// <summary>`dr drill KIND`: the drill's runbook on the lab (brought up if none runs), followed to its end, its report printed.</summary>
    private static Command RunbookDrillCommand(string verb, string runbook, string description, Option<double>? rate = null)
    {
        var keepLab = new Option<bool>("--keep-lab") { Description = "Leave a lab the drill started running afterwards" };
        var json = new Option<bool>("--json") { Description = "Print the run and its report as JSON" };
        var topology = new Option<string?>("--topology") { Description = "Lab topology file, when the drill brings the lab up (e.g. one with a synchronous " +
            "standby)" };
        var input = new Option<string?>("--input") { Description = $"The {runbook}'s input as JSON (its stop conditions and settings; `dr runbooks --json`)" };
        var command = new Command(verb, description) { keepLab, json, topology, input };
        if (rate is not null)
        {
            command.Options.Add(rate);
        }

        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var given = System.Text.Json.Nodes.JsonNode.Parse(parse.GetValue(input) ?? "{}") as System.Text.Json.Nodes.JsonObject
                ?? throw new Core.Errors.BadInputException("--input: not a JSON object");
            if (rate is not null && !given.ContainsKey("rate"))
            {
                given["rate"] = parse.GetValue(rate);
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var drill = new RunbookDrill(State(parse), parse.GetValue(Settings),
                new RunbookDrillOptions(runbook, KeepLab: parse.GetValue(keepLab), Topology: parse.GetValue(topology), Input: given.ToJsonString()),
                line => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] {line}"));
            var run = await drill.RunAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(RunbookDrill.Json(run));
            }
            else
            {
                RunbookDrill.Print(run, Console.Out);
            }

            return run.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    private static Command Switchover()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds of switchover to the secondary + failback home", DefaultValueFactory = _ => 5 };
        var rate = new Option<double>("--rate") { Description = "Writes per second through api. during the drill", DefaultValueFactory = _ => 50 };
        var keepLab = new Option<bool>("--keep-lab") { Description = "Leave a lab the drill started running afterwards" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var topology = new Option<string?>("--topology") { Description = "Lab topology file, when the drill brings the lab up (e.g. one with a synchronous " +
            "standby)" };
        var command = new Command("switchover", "Switch over to the secondary and fail back home, round after round under load: write gaps and lost writes")
        {
            rounds, rate, keepLab, json, topology,
        };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            if (parse.GetValue(rounds) is < 1 or > 100)
            {
                throw new Core.Errors.BadInputException($"--rounds: {parse.GetValue(rounds)} is outside 1..100");
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var drill = new SwitchoverDrill(State(parse), parse.GetValue(Settings),
                new SwitchoverDrillOptions(parse.GetValue(rounds), parse.GetValue(rate), KeepLab: parse.GetValue(keepLab), Topology: parse.GetValue(topology)),
                line => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] {line}"));
            var report = await drill.RunAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, DrJson.Indented));
            }
            else
            {
                Console.WriteLine($"switchover drill: {(report.Passed ? "PASSED"
                    : "FAILED")} — write gap median {Seconds(report.MedianGapSeconds)}, max {Seconds(report.MaxGapSeconds)}; "
                    + $"{report.Attempts} attempts, {report.Acknowledged} acknowledged, {report.LostAcknowledged.Count} acknowledged writes lost");
                foreach (var m in report.Moves)
                {
                    Console.WriteLine($"  {m.Round}. {m.Runbook,-10} {KebabCase.Of(m.Outcome),-9} {m.DurationSeconds,6:F2} s  gap " +
                        $"{Seconds(m.ClientGap?.Seconds)} (runbook {Seconds(m.RunbookGapSeconds)}, {m.ClientGap?.FailedAttempts
                        ?? 0} failed attempts)  {m.Subject}{(m.Error is null ? "" : $": {m.Error}")}");
                }

                Console.WriteLine($"  serving {report.ServingNode}; {report.Standby.Node}: {KebabCase.Of(report.Standby.Role)}, WAL receiver " +
                    $"{report.Standby.Upstream?.Status ?? "none"}");
            }

            return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    private static string Seconds(double? value) => value is { } v ? $"{v:F2} s" : "n/a";
}
