using CausalEval.Dr.Adapters.Azurite;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Local.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Local.Cli;

/// <summary>The `dr` command line. Each command is a few lines over <see cref="ApiClient"/>.</summary>
public static class Commands
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    private static readonly Option<string?> StateDir = new("--state-dir") { Description = "Local state directory (default: $DR_STATE_DIR or ./.dr)", Recursive = true };
    private static readonly Option<string?> Settings = new("--settings") { Description = "Extra settings file (JSON) over the embedded defaults", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("CausalEval.Dr: disaster-recovery orchestrations on the durable local runtime");
        root.Options.Add(StateDir);
        root.Options.Add(Settings);
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Run());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Raise());
        root.Subcommands.Add(Stop());
        root.Subcommands.Add(LabCommands.Lab(StateDir));
        root.Subcommands.Add(LabCommands.Workload());
        root.Subcommands.Add(WalCommands.Wal(Settings));
        root.Subcommands.Add(BackupCommands.Backup(StateDir, Settings));
        return root;
    }

    private static Command Serve()
    {
        var port = new Option<int>("--port") { Description = "Loopback port of the HTTP API (0: any free port)", DefaultValueFactory = _ => 7071 };
        var command = new Command("serve", "Run the durable runtime, the local HTTP API and the schedules in the foreground") { port };
        command.SetAction(async (parse, ct) =>
        {
            var state = new StateDirectory(parse.GetValue(StateDir));
            if (state.ReadServer() is { } running && await HostConnection.AnswersAsync(running.Url))
            {
                // Two hosts on one state directory would share a worker id and fight over the task hub.
                Console.Error.WriteLine($"dr: `dr serve` already runs for {state.Path} (pid {running.Pid}, {running.Url})");
                return ExitCodes.BadRequest;
            }

            await using var app = await LocalHost.StartAsync(state, parse.GetValue(Settings), new HostMode(true, true, parse.GetValue(port), LogLevel.Information), ct);
            var url = LocalHost.BaseUrl(app);
            state.WriteServer(new StateDirectory.ServerInfo(url, Environment.ProcessId));
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
        });
        return command;
    }

    private static Command Run()
    {
        var name = new Argument<string>("orchestration") { Description = "Orchestration name, e.g. BackupConfiguration" };
        var input = new Option<string?>("--input") { Description = "Input as JSON" };
        var json = new Option<bool>("--json") { Description = "Print the final status as JSON" };
        var instanceId = new Option<string?>("--instance-id") { Description = "Instance id (default: a new GUID)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the instance id and return once started" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for completion", DefaultValueFactory = _ => 3600 };
        var command = new Command("run", "Start an orchestration, wait for it, print its result") { name, input, json, instanceId, noWait, timeout };
        command.SetAction(async (parse, ct) =>
        {
            await using var host = await HostConnection.OpenAsync(new StateDirectory(parse.GetValue(StateDir)), parse.GetValue(Settings), needsWorker: true, ct);
            var started = await host.Client.StartAsync(parse.GetValue(name)!, parse.GetValue(input), parse.GetValue(instanceId));
            if (started.Status != HttpStatusCode.Accepted)
            {
                return Fail(started);
            }

            var id = started.Body!["id"]!.GetValue<string>();
            if (parse.GetValue(noWait))
            {
                Console.WriteLine(parse.GetValue(json) ? started.Body.ToJsonString(Pretty) : id);
                return ExitCodes.Ok;
            }

            return await WaitAsync(host.Client, id, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        });
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("instance-id");
        var history = new Option<bool>("--history") { Description = "Include the step history with timestamps" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("status", "Show an orchestration instance") { id, history, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var host = await HostConnection.OpenAsync(new StateDirectory(parse.GetValue(StateDir)), parse.GetValue(Settings), needsWorker: false, ct);
            var reply = await host.Client.StatusAsync(parse.GetValue(id)!, parse.GetValue(history));
            if (reply.Status == HttpStatusCode.NotFound)
            {
                return Fail(reply);
            }

            Print(reply.Body!, parse.GetValue(json));
            return ExitCodeOf(reply.Body!);
        });
        return command;
    }

    private static Command Raise()
    {
        var id = new Argument<string>("instance-id");
        var eventName = new Argument<string>("event");
        var data = new Argument<string?>("data") { Description = "Event data as JSON", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("raise", "Send an external event to a waiting orchestration") { id, eventName, data };
        command.SetAction(async (parse, ct) =>
        {
            await using var host = await HostConnection.OpenAsync(new StateDirectory(parse.GetValue(StateDir)), parse.GetValue(Settings), needsWorker: false, ct);
            var reply = await host.Client.RaiseAsync(parse.GetValue(id)!, parse.GetValue(eventName)!, parse.GetValue(data));
            if (reply.Status != HttpStatusCode.Accepted)
            {
                return Fail(reply);
            }

            Console.WriteLine($"raised '{parse.GetValue(eventName)}' on {parse.GetValue(id)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Stop()
    {
        var command = new Command("stop", "Stop the Azurite that dr started for this state directory");
        command.SetAction(async parse =>
        {
            var stopped = await new ManagedAzurite(new StateDirectory(parse.GetValue(StateDir)).AzuriteDirectory).StopAsync();
            Console.WriteLine(stopped ? "stopped Azurite" : "no Azurite running for this state directory");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Polls until the instance ends, printing a progress line whenever its status changes; <paramref name="detail"/>
    /// may add what the status cannot say (e.g. bytes uploaded so far by a running activity).
    /// </summary>
    internal static async Task<int> WaitAsync(ApiClient client, string id, bool json, TimeSpan timeout, CancellationToken ct,
        Func<JsonNode, Task<string?>>? detail = null)
    {
        var clock = Stopwatch.StartNew();
        string? last = null;
        while (clock.Elapsed < timeout)
        {
            var reply = await client.StatusAsync(id, history: false);
            var body = reply.Body!;
            var progress = $"{body["runtimeStatus"]} {body["customStatus"]?.ToJsonString()}";
            if (detail is not null && reply.Status == HttpStatusCode.Accepted && await detail(body) is { } more)
            {
                progress += " " + more;
            }

            if (progress != last)
            {
                Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {id}: {progress}");
                last = progress;
            }

            if (reply.Status != HttpStatusCode.Accepted)
            {
                Print(body, json);
                return ExitCodeOf(body);
            }

            await Task.Delay(100, ct); // a short backup should not wait a quarter second to be reported done
        }

        Console.Error.WriteLine($"dr: {id} still running after {timeout.TotalSeconds:F0} s; it goes on (check with `dr status {id}`)");
        return ExitCodes.TimedOut;
    }

    private static int ExitCodeOf(JsonNode status) => status["runtimeStatus"]?.GetValue<string>() switch
    {
        "Completed" => ExitCodes.Ok,
        "Failed" or "Terminated" or "Canceled" => ExitCodes.OrchestrationFailed,
        _ => ExitCodes.Ok,
    };

    private static void Print(JsonNode status, bool json)
    {
        if (json)
        {
            Console.WriteLine(status.ToJsonString(Pretty));
            return;
        }

        Console.WriteLine($"{status["name"]} {status["instanceId"]}: {status["runtimeStatus"]}");
        if (status["failureDetails"] is { } failure)
        {
            Console.WriteLine($"  failed: {failure["errorType"]}: {failure["errorMessage"]}");
        }

        if (status["output"] is { } output)
        {
            Console.WriteLine(output.ToJsonString(Pretty));
        }

        if (status["historyEvents"] is JsonArray events)
        {
            foreach (var e in events)
            {
                Console.WriteLine($"  {e!["timestamp"]}  {e["eventType"],-28} {e["name"]}");
            }
        }
    }

    internal static int Fail(ApiClient.Reply reply)
    {
        Console.Error.WriteLine($"dr: {reply.Error}");
        return reply.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.Gone
            ? ExitCodes.BadRequest
            : ExitCodes.Unavailable;
    }
}
