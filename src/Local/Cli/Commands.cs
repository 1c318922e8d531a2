using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Adapters.Azurite;
using CausalEval.Dr.Core;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.Extensions.Hosting;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>The `dr` command line. Each command is a few lines over <see cref="ApiClient"/> or the store.</summary>
public static class Commands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CausalEval.Dr: disaster-recovery runbooks on the durable local runtime");
        root.Options.Add(StateDir);
        root.Options.Add(Settings);
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Run());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Raise());
        root.Subcommands.Add(Decide("approve", approve: true, "Approve a runbook waiting at its approval gate"));
        root.Subcommands.Add(Decide("reject", approve: false, "Reject a runbook waiting at its approval gate (it changes nothing)"));
        root.Subcommands.Add(Runbooks());
        root.Subcommands.Add(TopologyCommands.Topology());
        root.Subcommands.Add(AgentCommands.Agent());
        root.Subcommands.Add(RunCommands.Runs());
        root.Subcommands.Add(RunCommands.Report());
        root.Subcommands.Add(FailoverCommands.Failover());
        root.Subcommands.Add(SwitchoverCommands.Switchover());
        root.Subcommands.Add(SwitchoverCommands.Reprotect());
        root.Subcommands.Add(SwitchoverCommands.Failback());
        root.Subcommands.Add(RecoveryCommands.Pitr());
        root.Subcommands.Add(RecoveryCommands.Restore());
        root.Subcommands.Add(RecoveryCommands.RecoverRegion());
        root.Subcommands.Add(DrillCommands.Drill());
        root.Subcommands.Add(AlertCommands.Alerts());
        root.Subcommands.Add(IncidentCommands.Incident());
        root.Subcommands.Add(Stop());
        root.Subcommands.Add(LabCommands.Lab(StateDir));
        root.Subcommands.Add(LabCommands.Workload());
        root.Subcommands.Add(WalCommands.Wal(Settings));
        root.Subcommands.Add(BackupCommands.Backup());
        return root;
    }

    private static Command Serve()
    {
        var port = new Option<int>("--port") { Description = "Loopback port of the HTTP API (0: any free port)", DefaultValueFactory = _ => 7071 };
        var command = new Command("serve", "Run the durable runtime, the local HTTP API and the schedules in the foreground") { port };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var state = State(parse);
            if (state.RunningServer() is { } running && await HostConnection.AnswersAsync(running.Url))
            {
                // Two hosts on one state directory would share a worker id and fight over the task hub.
                Console.Error.WriteLine($"dr: `dr serve` already runs for {state.Path} (pid {running.Pid}, {running.Url})");
                return ExitCodes.BadRequest;
            }

            await using var app = await LocalHost.StartAsync(state, parse.GetValue(Settings), HostMode.Serve(parse.GetValue(port)), ct);
            var url = LocalHost.BaseUrl(app);
            state.WriteServer(new StateDirectory.ServerInfo(url, Environment.ProcessId,
                Adapters.Processes.ProcessIdentity.StartTicksOf(Environment.ProcessId)));
            Console.WriteLine($"dr serve: API on {url} (token in {Path.Combine(state.Path, "api-token")}); Ctrl-C stops");
            try
            {
                await app.WaitForShutdownAsync(ct);
            }
            finally
            {
                state.ClearServer(Environment.ProcessId);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Run()
    {
        var name = new Argument<string>("runbook") { Description = "Runbook (orchestration) name, e.g. BackupConfiguration (see `dr runbooks`)" };
        var input = new Option<string?>("--input") { Description = "Input as JSON" };
        var json = new Option<bool>("--json") { Description = "Print the final status as JSON" };
        var instanceId = new Option<string?>("--instance-id") { Description = "Instance id (default: a new GUID)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the instance id and return once started" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for completion", DefaultValueFactory = _ => 3600 };
        var command = new Command("run", "Start a runbook, wait for it, print its result") { name, input, json, instanceId, noWait, timeout };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            await using var host = await HostAsync(parse, needsWorker: true, ct);
            var started = await host.Client.StartAsync(parse.GetValue(name)!, parse.GetValue(input), parse.GetValue(instanceId));
            if (started.Status != HttpStatusCode.Accepted)
            {
                return InstanceWatcher.Fail(started);
            }

            var id = started.Body!["id"]!.GetValue<string>();
            if (parse.GetValue(noWait))
            {
                Console.WriteLine(parse.GetValue(json) ? started.Body.ToJsonString(DrJson.Indented) : id);
                if (host.IsEmbedded)
                {
                    Console.Error.WriteLine($"dr: no `dr serve` runs for this state directory: {id} is stored in the task hub and runs when `dr serve` starts");
                }

                return ExitCodes.Ok;
            }

            return await InstanceWatcher.WaitAsync(host, id, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        }));
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("instance-id");
        var history = new Option<bool>("--history") { Description = "Include the step history with timestamps" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("status", "Show an instance: which step of how many runs, for how long; or how it ended") { id, history, json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            await using var host = await HostAsync(parse, needsWorker: false, ct);
            var reply = await host.Client.StatusAsync(parse.GetValue(id)!, parse.GetValue(history));
            if (reply.Status == HttpStatusCode.NotFound)
            {
                return InstanceWatcher.Fail(reply);
            }

            InstanceWatcher.Print(reply.Body!, parse.GetValue(json));
            return InstanceWatcher.ExitCodeOf(reply.Body!);
        }));
        return command;
    }

    private static Command Raise()
    {
        var id = new Argument<string>("instance-id");
        var eventName = new Argument<string>("event");
        var data = new Argument<string?>("data") { Description = "Event data as JSON", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("raise", "Send an external event to a waiting orchestration") { id, eventName, data };
        command.SetAction((parse, ct) => ExitCodes.Guard(() => RaiseAsync(parse, parse.GetValue(id)!, parse.GetValue(eventName)!, parse.GetValue(data), ct)));
        return command;
    }

    /// <summary>`dr approve` / `dr reject`: the decision, who took it and why, through the API's approve/reject routes.</summary>
    private static Command Decide(string verb, bool approve, string description)
    {
        var id = new Argument<string>("instance-id");
        var by = new Option<string>("--by") { Description = "Who decides (recorded)", DefaultValueFactory = _ => Environment.UserName };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded)" };
        var step = new Option<int?>("--step") { Description = "The gate's step number as `dr status` shows it: refused if the run waits at another step " +
            "(default: the gate that waits now)" };
        var command = new Command(verb, description) { id, by, reason, step };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var decision = JsonSerializer.Serialize(new ApprovalDecision(parse.GetValue(by), parse.GetValue(reason), parse.GetValue(step)), DrJson.Options);
            await using var host = await HostAsync(parse, needsWorker: false, ct);
            var reply = await host.Client.DecideAsync(parse.GetValue(id)!, approve, decision);
            if (reply.Status != HttpStatusCode.Accepted)
            {
                return InstanceWatcher.Fail(reply);
            }

            Console.WriteLine($"{(approve ? "approved" : "rejected")} {parse.GetValue(id)} (by {parse.GetValue(by)})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<int> RaiseAsync(ParseResult parse, string id, string eventName, string? data, CancellationToken ct)
    {
        await using var host = await HostAsync(parse, needsWorker: false, ct);
        var reply = await host.Client.RaiseAsync(id, eventName, data);
        if (reply.Status != HttpStatusCode.Accepted)
        {
            return InstanceWatcher.Fail(reply);
        }

        Console.WriteLine($"raised '{eventName}' on {id}");
        return ExitCodes.Ok;
    }

    private static Command Runbooks()
    {
        var json = new Option<bool>("--json");
        var command = new Command("runbooks", "The runbooks this deployment knows: category, version, schedule, policies, what each does") { json };
        command.SetAction(parse =>
        {
            var rows = RunbookCatalog.Of(Configuration(parse));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, DrJson.Indented));
                return ExitCodes.Ok;
            }

            foreach (var r in rows)
            {
                Console.WriteLine($"{r.Name,-24} v{r.Version,-3} {r.Category,-10} {r.Schedule ?? "-",-40} {r.Summary}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Stop()
    {
        var command = new Command("stop", "Stop the Azurite that dr started for this state directory");
        command.SetAction(async parse =>
        {
            var stopped = await new ManagedAzurite(State(parse).AzuriteDirectory).StopAsync();
            Console.WriteLine(stopped ? "stopped Azurite" : "no Azurite running for this state directory");
            return ExitCodes.Ok;
        });
        return command;
    }
}
