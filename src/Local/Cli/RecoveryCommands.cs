using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Recovery;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr pitr --target T --into DIR | --replace` and `dr restore BACKUP-ID --into DIR | --replace`: the
/// RecoverDatabase runbook. With --into the recovered cluster runs beside the live one (on the node's host,
/// its own port); with --replace it is recovered beside the serving primary, then, after an approval gate
/// (or --approve --by NAME), swapped into service and the standby rebuilt. A target the archive cannot
/// reach fails at the plan step, before anything is touched (exit 2).
/// </summary>
public static class RecoveryCommands
{
    public static Command Pitr()
    {
        var target = new Option<string>("--target") { Description = "ISO time with offset (2026-12-01T10:15:00Z), lsn:X/Y, or latest", Required = true };
        var command = new Command("pitr", "Point-in-time recovery of the database into a new directory beside the running cluster") { target };
        return With(command, parse => (parse.GetValue(target), null));
    }

    public static Command Restore()
    {
        var backupId = new Argument<string>("backup-id") { Description = "A complete database backup (see `dr backup list`)" };
        var command = new Command("restore", "Full restore of one database backup (to consistency) into a new directory beside the running cluster") { backupId };
        return With(command, parse => (null, parse.GetValue(backupId)));
    }

    /// <summary>`dr recover-region REGION [--target T] [--approve --by NAME]`: the RecoverRegion runbook.</summary>
    public static Command RecoverRegion()
    {
        var region = new Argument<string>("region") { Description = "The region to rebuild the service in (the cold dr one)" };
        var target = new Option<string?>("--target") { Description = "How far to recover the database: ISO time with offset, lsn:X/Y, or latest (default)" };
        var approve = new Option<bool>("--approve") { Description = "Pre-approve: no gate (recorded as approved by --by)" };
        var by = new Option<string?>("--by") { Description = "Who pre-approves (with --approve)", DefaultValueFactory = _ => Environment.UserName };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the instance id and return" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the end", DefaultValueFactory = _ => 12 * 3600 };
        var command = new Command("recover-region", "Full system recovery: rebuild the service in another region from the backup store (database, app state, DNS, compute)")
        {
            region, target, approve, by, json, noWait, timeout,
        };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var input = new RecoverRegionInput(parse.GetValue(region)!, parse.GetValue(target), parse.GetValue(approve), parse.GetValue(approve) ? parse.GetValue(by) : null,
                Trigger: "manual");
            return await StartAndWaitAsync(parse, nameof(Orchestrations.Recovery.RecoverRegion), input, json, noWait, timeout, ct);
        }));
        return command;
    }

    private static async Task<int> StartAndWaitAsync(ParseResult parse, string runbook, object input, Option<bool> json, Option<bool> noWait, Option<double> timeout,
        CancellationToken ct)
    {
        await using var host = await HostAsync(parse, needsWorker: true, ct);
        var started = await host.Client.StartAsync(runbook, JsonSerializer.Serialize(input, input.GetType(), DrJson.Options), null);
        if (started.Status != HttpStatusCode.Accepted)
        {
            return InstanceWatcher.Fail(started);
        }

        var id = started.Body!["id"]!.GetValue<string>();
        if (parse.GetValue(noWait))
        {
            Console.WriteLine(parse.GetValue(json) ? started.Body.ToJsonString(DrJson.Indented) : id);
            return ExitCodes.Ok;
        }

        return await InstanceWatcher.WaitAsync(host, id, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
    }

    private static Command With(Command command, Func<ParseResult, (string? Target, string? BackupId)> what)
    {
        var into = new Option<string?>("--into") { Description = "A new or empty directory on the node's host (or --replace)" };
        var replace = new Option<bool>("--replace") { Description = "Swap the recovered cluster into service in place of the serving primary's data (kept aside), then rebuild its standby" };
        var approve = new Option<bool>("--approve") { Description = "With --replace: pre-approve the swap (recorded as approved by --by)" };
        var by = new Option<string?>("--by") { Description = "Who pre-approves (with --approve)", DefaultValueFactory = _ => Environment.UserName };
        var node = new Option<string?>("--node") { Description = "The node whose agent does it (default: the serving primary's)" };
        var port = new Option<int?>("--port") { Description = "The recovered cluster's port (default: a free one)" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the instance id and return" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the end", DefaultValueFactory = _ => 12 * 3600 };
        foreach (var option in new Option[] { into, replace, approve, by, node, port, json, noWait, timeout })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var (target, backupId) = what(parse);
            var directory = parse.GetValue(into) is { } named ? Path.GetFullPath(named) : null;
            var input = new RecoverDatabaseInput(target, backupId, directory, parse.GetValue(node), parse.GetValue(port), Trigger: "manual",
                Replace: parse.GetValue(replace), PreApproved: parse.GetValue(approve), ApprovedBy: parse.GetValue(approve) ? parse.GetValue(by) : null);
            return await StartAndWaitAsync(parse, nameof(RecoverDatabase), input, json, noWait, timeout, ct);
        }));
        return command;
    }
}
