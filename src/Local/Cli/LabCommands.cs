using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Load;
using CausalEval.Dr.Lab.Topology;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Workload;

namespace CausalEval.Dr.Local.Cli;

/// <summary>`dr lab up | down | status | load`, and the hidden `dr workload` the lab starts its instances with.</summary>
public static class LabCommands
{
    private static readonly JsonSerializerOptions Pretty = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Lab(Option<string?> stateDir)
    {
        var lab = new Command("lab", "The local DR lab: two regions of real services on loopback");
        lab.Subcommands.Add(Up(stateDir));
        lab.Subcommands.Add(Down(stateDir));
        lab.Subcommands.Add(Status(stateDir));
        lab.Subcommands.Add(Load(stateDir));
        lab.Subcommands.Add(Kill(stateDir));
        lab.Subcommands.Add(Revive(stateDir));
        lab.Subcommands.Add(Pause(stateDir));
        return lab;
    }

    public static Command Workload()
    {
        var options = new Option<string>("--options") { Required = true };
        var command = new Command("workload", "Run one workload instance (started by the lab)") { options };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(options)!;
            var workload = JsonSerializer.Deserialize<WorkloadOptions>(await File.ReadAllTextAsync(file, ct), DrJson.Options)
                ?? throw new InvalidDataException($"{file}: empty workload options");
            await WorkloadApp.RunAsync(workload, ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static LabController Controller(ParseResult parse, Option<string?> stateDir) =>
        new(new StateDirectory(parse.GetValue(stateDir)).LabDirectory,
            DrProcess.Command());

    private static Command Up(Option<string?> stateDir)
    {
        var topology = new Option<string?>("--topology") { Description = "Topology file (default: the embedded config/lab.topology.json)" };
        var command = new Command("up", "Start the lab from a topology file") { topology };
        command.SetAction(async (parse, ct) =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var lab = new LabController(new StateDirectory(parse.GetValue(stateDir)).CreateLabDirectory(), DrProcess.Command());
                var state = await lab.UpAsync(parse.GetValue(topology), line => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] {line}"), ct);
                Console.WriteLine($"lab up in {clock.Elapsed.TotalSeconds:F1} s: zone {state.Zone}, DNS on " +
                    $"{state.Find("dns")?.Address}:{state.Ports["dns"]}, API port {state.Ports["workload"]}");
                return ExitCodes.Ok;
            }
            catch (LabTopologyException e)
            {
                Console.Error.WriteLine($"dr: {e.Message}");
                return ExitCodes.BadRequest;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"dr: {e.Message}");
                return ExitCodes.Unavailable;
            }
        });
        return command;
    }

    private static Command Down(Option<string?> stateDir)
    {
        var command = new Command("down", "Stop every process of the lab");
        command.SetAction(async (parse, ct) =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var stillBound = await Controller(parse, stateDir).DownAsync(line => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] {line}"));
            if (stillBound.Count > 0)
            {
                Console.Error.WriteLine($"dr: ports still bound after stopping the lab: {string.Join(", ", stillBound)}");
                return ExitCodes.Unavailable;
            }

            Console.WriteLine($"lab down in {clock.Elapsed.TotalSeconds:F1} s");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Kill(Option<string?> stateDir)
    {
        var region = new Argument<string>("region") { Description = "The region to lose (e.g. primary)" };
        var command = new Command("kill", "SIGKILL every process of a region at once: PostgreSQL, its agent, Redis, workloads") { region };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var killed = await Controller(parse, stateDir).KillAsync(parse.GetValue(region)!);
            Console.WriteLine(JsonSerializer.Serialize(killed, Pretty));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revive(Option<string?> stateDir)
    {
        var region = new Argument<string>("region") { Description = "The region to bring back as it was configured" };
        var command = new Command("revive", "Start a killed region's processes again, as a region coming back does (its agent boots PostgreSQL)") { region };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var revived = await Controller(parse, stateDir).ReviveAsync(parse.GetValue(region)!, line => Console.Error.WriteLine(line));
            Console.WriteLine(JsonSerializer.Serialize(revived, Pretty));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Pause(Option<string?> stateDir)
    {
        var service = new Argument<string>("service") { Description = "A process name from `dr lab status` (e.g. postgres-primary, workload-primary-1)" };
        var seconds = new Option<double>("--seconds") { Description = "How long it stays stopped", DefaultValueFactory = _ => 1 };
        var command = new Command("pause", "SIGSTOP a service, then SIGCONT it after --seconds (a blip)") { service, seconds };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var paused = await Controller(parse, stateDir).PauseAsync(parse.GetValue(service)!, TimeSpan.FromSeconds(parse.GetValue(seconds)), ct);
            Console.WriteLine(JsonSerializer.Serialize(paused, Pretty));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Status(Option<string?> stateDir)
    {
        var json = new Option<bool>("--json");
        var command = new Command("status", "Processes, replication, DNS of the running lab") { json };
        command.SetAction(async (parse, ct) =>
        {
            var state = LabState.Load(new StateDirectory(parse.GetValue(stateDir)).LabDirectory);
            if (state is null)
            {
                Console.Error.WriteLine("dr: no lab is up (dr lab up starts one)");
                return ExitCodes.BadRequest;
            }

            var status = await LabStatus.ReadAsync(state, new StateDirectory(parse.GetValue(stateDir)).LabDirectory);
            if (parse.GetValue(json))
            {
                Console.WriteLine(status.ToJsonString(Pretty));
                return ExitCodes.Ok;
            }

            foreach (var p in status["processes"]!.AsArray())
            {
                Console.WriteLine($"{p!["name"],-22} {p["region"],-10} pid {p["pid"],-7} {p["endpoint"],-24} {(p["alive"]!.GetValue<bool>()
                    && p["listening"]!.GetValue<bool>() ? "up" : "DOWN")}");
            }

            Console.WriteLine($"replication: {status["replication"]!.ToJsonString()}");
            Console.WriteLine($"archiving: {status["archiving"]!.ToJsonString()}");
            Console.WriteLine($"dns: {status["dns"]!.ToJsonString()}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Load(Option<string?> stateDir)
    {
        var rate = new Option<double>("--rate") { Description = "Writes per second", DefaultValueFactory = _ => 20 };
        var duration = new Option<double>("--duration") { Description = "Seconds", DefaultValueFactory = _ => 10 };
        var ledger = new Option<string?>("--ledger") { Description = "Ledger file (JSON lines); default under the lab directory" };
        var command = new Command("load", "Write evaluations through DNS at a fixed rate and record every attempt in a ledger") { rate, duration, ledger };
        command.SetAction(async (parse, ct) =>
        {
            var labDir = new StateDirectory(parse.GetValue(stateDir)).LabDirectory;
            var state = LabState.Load(labDir);
            if (state?.Find("dns") is not { } dns)
            {
                Console.Error.WriteLine("dr: no lab is up (dr lab up starts one)");
                return ExitCodes.BadRequest;
            }

            try
            {
                var file = parse.GetValue(ledger) ?? Path.Combine(labDir, "ledgers", $"{DateTime.UtcNow:yyyyMMddTHHmmss}.jsonl");
                var summary = await new LoadGenerator(dns.Address, dns.Ports[0], state.Zone, state.Ports["workload"])
                    .RunAsync(parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(duration)), file, ct);
                Console.WriteLine(JsonSerializer.Serialize(summary, Pretty));
                return summary.Failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"dr: {e.Message}");
                return ExitCodes.BadRequest;
            }
        });
        return command;
    }
}
