using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Failover;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr failover [--to REGION] [--force] [--approve --by NAME] [--json]`: a failover started by a person. It
/// waits at an approval gate (`dr approve ID --by NAME --reason TEXT`, or `dr reject`) unless pre-approved;
/// while one runs, a second request joins it (its id is printed) and starts nothing.
/// </summary>
public static class FailoverCommands
{
    public static Command Failover()
    {
        var to = new Option<string?>("--to") { Description = "Target region (default: the secondary)" };
        var force = new Option<bool>("--force") { Description = "Promote a standby further behind than the database RPO" };
        var approve = new Option<bool>("--approve") { Description = "Pre-approve: no gate (recorded as approved by --by)" };
        var by = new Option<string?>("--by") { Description = "Who pre-approves (with --approve)", DefaultValueFactory = _ => Environment.UserName };
        var approvalTimeout = new Option<int>("--approval-timeout") { Description = "Seconds the gate waits; then nothing changes", DefaultValueFactory = _ => 900 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the instance id and return" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the end", DefaultValueFactory = _ => 3600 };
        var command = new Command("failover", "Fail the service over to another region (fence, promote, switch DNS, scale, verify)")
        {
            to, force, approve, by, approvalTimeout, json, noWait, timeout,
        };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var input = new FailoverInput(parse.GetValue(to), parse.GetValue(force), parse.GetValue(approve), parse.GetValue(approve) ? parse.GetValue(by) : null,
                Trigger: "manual", ApprovalTimeoutSeconds: parse.GetValue(approvalTimeout));
            await using var host = await HostAsync(parse, needsWorker: true, ct);
            var started = await host.Client.StartAsync(nameof(Orchestrations.Failover.Failover), JsonSerializer.Serialize(input, DrJson.Options), null);
            var joined = started.Status == HttpStatusCode.Conflict && started.Body?["joined"]?.GetValue<bool>() == true;
            if (started.Status != HttpStatusCode.Accepted && !joined)
            {
                return InstanceWatcher.Fail(started);
            }

            var id = started.Body!["id"]!.GetValue<string>();
            Console.Error.WriteLine(joined
                ? $"dr: a failover is already running: {id}; following it (nothing new was started)"
                : parse.GetValue(approve) ? $"dr: failover {id} started, pre-approved by {parse.GetValue(by)}"
                : $"dr: failover {id} started; it waits for `dr approve {id} --by NAME --reason TEXT` (or `dr reject`) before it changes anything");
            if (parse.GetValue(noWait))
            {
                Console.WriteLine(parse.GetValue(json) ? started.Body.ToJsonString(DrJson.Indented) : id);
                return ExitCodes.Ok;
            }

            return await InstanceWatcher.WaitAsync(host, id, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        }));
        return command;
    }
}
