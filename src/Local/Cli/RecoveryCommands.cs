using System.CommandLine;
using CausalEval.Dr.Orchestrations.Recovery;

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
        return With("pitr", "Point-in-time recovery of the database into a new directory beside the running cluster", target, parse
            => (parse.GetValue(target), null));
    }

    public static Command Restore()
    {
        var backupId = new Argument<string>("backup-id") { Description = "A complete database backup (see `dr backup list`)" };
        var command = With("restore", "Full restore of one database backup (to consistency) into a new directory beside the running cluster", backupId,
            parse => (null, parse.GetValue(backupId)));
        command.Subcommands.Add(RestoreFiles());
        return command;
    }

    /// <summary>`dr restore files --at POINT|TIME --to REGION[/CONTAINER] [--prefix P] [--replace]`: the RestoreFiles runbook.</summary>
    private static Command RestoreFiles()
    {
        var at = new Option<string>("--at") { Description = "A file-storage point id, or an ISO time (the newest point completed by then)", Required = true };
        var to = new Option<string>("--to") { Description = "A region (its file store), or REGION/CONTAINER beside it", Required = true };
        var prefix = new Option<string?>("--prefix") { Description = "Only objects whose keys start with it" };
        var replace = new Option<bool>("--replace") { Description = "Make the target equal to the point (deleting what the point has not); over the live " +
            "store, after an approval" };
        var start = new RunbookStart("restore-files", timeoutSeconds: 12 * 3600);
        var command = start.AddTo(new Command("files", "Rebuild the framework's files as of a file-storage point into a region's store") { at, to, prefix,
            replace });
        command.SetAction((parse, ct) => ExitCodes.Guard(() => start.StartAndFollowAsync(parse, new Orchestrations.FileStorage.RestoreFilesInput(
            parse.GetValue(at)!, parse.GetValue(to)!, parse.GetValue(prefix), parse.GetValue(replace), start.PreApproved(parse), start.By(parse)), ct)));
        return command;
    }

    /// <summary>`dr recover-region REGION [--target T] [--approve --by NAME]`: the RecoverRegion runbook.</summary>
    public static Command RecoverRegion()
    {
        var region = new Argument<string>("region") { Description = "The region to rebuild the service in (the cold dr one)" };
        var target = new Option<string?>("--target") { Description = "How far to recover the database: ISO time with offset, lsn:X/Y, or latest (default)" };
        var start = new RunbookStart("recover-region", timeoutSeconds: 12 * 3600);
        var command = start.Command("Full system recovery: rebuild the service in another region from the backup store (database, app state, DNS, compute)",
            region, target);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            start.StartAndFollowAsync(parse,
                new RecoverRegionInput(parse.GetValue(region)!, parse.GetValue(target), start.PreApproved(parse), start.By(parse)), ct)));
        return command;
    }

    private static Command With(string verb, string description, Symbol which, Func<ParseResult, (string? Target, string? BackupId)> what)
    {
        var into = new Option<string?>("--into") { Description = "A new or empty directory on the node's host (or --replace)" };
        var replace = new Option<bool>("--replace") { Description = "Swap the recovered cluster into service in place of the serving primary's data (kept " +
            "aside), then rebuild its standby" };
        var node = new Option<string?>("--node") { Description = "The node whose agent does it (default: the serving primary's)" };
        var port = new Option<int?>("--port") { Description = "The recovered cluster's port (default: a free one)" };
        var start = new RunbookStart(verb, timeoutSeconds: 12 * 3600);
        var command = start.Command(description, which, into, replace, node, port);
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var (target, backupId) = what(parse);
            var directory = parse.GetValue(into) is { } named ? Path.GetFullPath(named) : null;
            var input = new RecoverDatabaseInput(target, backupId, directory, parse.GetValue(node), parse.GetValue(port),
                Replace: parse.GetValue(replace), PreApproved: start.PreApproved(parse), ApprovedBy: start.By(parse));
            return await start.StartAndFollowAsync(parse, input, ct);
        }));
        return command;
    }
}
