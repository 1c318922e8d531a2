using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Switchover;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// The planned moves: `dr switchover [--to REGION]`, `dr reprotect [REGION] [--base-backup]` and `dr failback`
/// (reprotect + switchover home). Switchover and failback wait at an approval gate unless `--approve`.
/// </summary>
public static class SwitchoverCommands
{
    public static Command Switchover()
    {
        var to = new Option<string?>("--to") { Description = "Target region (default: home when another region serves, else the secondary)" };
        var tokenTimeout = new Option<double>("--token-timeout") { Description = "Seconds the target may take to replay the demotion token; then the switchover aborts", DefaultValueFactory = _ => 30 };
        var maxLag = new Option<double>("--max-lag-mib") { Description = "Refuse when the standby has more WAL than this left to replay", DefaultValueFactory = _ => 64 };
        var gate = new ApprovalOptions();
        var command = new Command("switchover", "Move the service to another region with zero loss (stand down, demotion token, promote, DNS, re-join)")
        {
            to, tokenTimeout, maxLag,
        };
        gate.AddTo(command);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            StartAndFollowAsync(parse, gate, nameof(Orchestrations.Switchover.Switchover), "switchover",
                new SwitchoverInput(parse.GetValue(to), parse.GetValue(gate.Approve), gate.By(parse), parse.GetValue(gate.ApprovalTimeout),
                    parse.GetValue(tokenTimeout), parse.GetValue(maxLag), Trigger: "manual"), ct)));
        return command;
    }

    public static Command Reprotect()
    {
        var region = new Argument<string?>("region") { Description = "Region whose old primary becomes a standby (default: the topology's primary region)", Arity = ArgumentArity.ZeroOrOne };
        var baseBackup = new Option<bool>("--base-backup") { Description = "Copy the primary afresh instead of pg_rewind" };
        var gate = new ApprovalOptions();
        var command = new Command("reprotect", "After a failover: make the fenced old primary a standby of the new one (pg_rewind, else a base backup)")
        {
            region, baseBackup,
        };
        gate.AddTo(command, approval: false);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            StartAndFollowAsync(parse, gate, nameof(Orchestrations.Reprotect.Reprotect), "reprotect",
                new ReprotectInput(parse.GetValue(region), parse.GetValue(baseBackup), Trigger: "manual"), ct)));
        return command;
    }

    public static Command Failback()
    {
        var region = new Option<string?>("--to") { Description = "Home region (default: the topology's primary region)" };
        var baseBackup = new Option<bool>("--base-backup") { Description = "Re-protect with a fresh copy instead of pg_rewind" };
        var gate = new ApprovalOptions();
        var command = new Command("failback", "Back to the original roles after a failover: reprotect home's old primary, then switch over to it")
        {
            region, baseBackup,
        };
        gate.AddTo(command);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            StartAndFollowAsync(parse, gate, nameof(Failback), "failback",
                new FailbackInput(parse.GetValue(region), parse.GetValue(gate.Approve), gate.By(parse), parse.GetValue(gate.ApprovalTimeout),
                    parse.GetValue(baseBackup), Trigger: "manual"), ct)));
        return command;
    }

    private static async Task<int> StartAndFollowAsync(ParseResult parse, ApprovalOptions gate, string runbook, string what, object input, CancellationToken ct)
    {
        await using var host = await HostAsync(parse, needsWorker: true, ct);
        var started = await host.Client.StartAsync(runbook, JsonSerializer.Serialize(input, input.GetType(), DrJson.Options), null);
        if (started.Status != HttpStatusCode.Accepted)
        {
            return InstanceWatcher.Fail(started);
        }

        var id = started.Body!["id"]!.GetValue<string>();
        Console.Error.WriteLine(!gate.HasApproval ? $"dr: {what} {id} started"
            : parse.GetValue(gate.Approve) ? $"dr: {what} {id} started, pre-approved by {gate.By(parse)}"
            : $"dr: {what} {id} started; it waits for `dr approve {id} --by NAME --reason TEXT` (or `dr reject`) before it changes anything");
        if (parse.GetValue(gate.NoWait))
        {
            Console.WriteLine(parse.GetValue(gate.Json) ? started.Body.ToJsonString(DrJson.Indented) : id);
            return ExitCodes.Ok;
        }

        return await InstanceWatcher.WaitAsync(host, id, parse.GetValue(gate.Json), TimeSpan.FromSeconds(parse.GetValue(gate.Timeout)), ct);
    }

    /// <summary>The options every planned-move command shares: the approval gate, --json, --no-wait, --timeout.</summary>
    private sealed class ApprovalOptions
    {
        public Option<bool> Approve { get; } = new("--approve") { Description = "Pre-approve: no gate (recorded as approved by --by)" };

        public Option<string?> ApprovedBy { get; } = new("--by") { Description = "Who pre-approves (with --approve)", DefaultValueFactory = _ => Environment.UserName };

        public Option<int> ApprovalTimeout { get; } = new("--approval-timeout") { Description = "Seconds the gate waits; then nothing changes", DefaultValueFactory = _ => 900 };

        public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON" };

        public Option<bool> NoWait { get; } = new("--no-wait") { Description = "Print the instance id and return" };

        public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds to wait for the end", DefaultValueFactory = _ => 3600 };

        public bool HasApproval { get; private set; }

        public string? By(ParseResult parse) => parse.GetValue(Approve) ? parse.GetValue(ApprovedBy) : null;

        public void AddTo(Command command, bool approval = true)
        {
            HasApproval = approval;
            if (approval)
            {
                command.Options.Add(Approve);
                command.Options.Add(ApprovedBy);
                command.Options.Add(ApprovalTimeout);
            }

            command.Options.Add(Json);
            command.Options.Add(NoWait);
            command.Options.Add(Timeout);
        }
    }
}
