using System.CommandLine;
using CausalEval.Dr.Orchestrations.Reprotect;
using CausalEval.Dr.Orchestrations.Switchover;

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
        var tokenTimeout = new Option<double>("--token-timeout") { Description = "Seconds the target may take to replay the demotion token; then the " +
            "switchover aborts", DefaultValueFactory = _ => 30 };
        var maxLag = new Option<double>("--max-lag-mib") { Description = "Refuse when the standby has more WAL than this left to replay",
            DefaultValueFactory = _ => 64 };
        var start = new RunbookStart("switchover");
        var command = start.Command("Move the service to another region with zero loss (stand down, demotion token, promote, DNS, re-join)", to, tokenTimeout,
            maxLag);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            start.StartAndFollowAsync(parse,
                new SwitchoverInput(parse.GetValue(to), start.PreApproved(parse), start.By(parse), parse.GetValue(start.ApprovalTimeout),
                    parse.GetValue(tokenTimeout), parse.GetValue(maxLag)), ct)));
        return command;
    }

    public static Command Reprotect()
    {
        var region = new Argument<string?>("region") { Description = "Region whose old primary becomes a standby (default: the topology's primary region)",
            Arity = ArgumentArity.ZeroOrOne };
        var baseBackup = new Option<bool>("--base-backup") { Description = "Copy the primary afresh instead of pg_rewind" };
        var start = new RunbookStart("reprotect", timeoutSeconds: 12 * 3600);
        var command = start.Command("After a failover: make the fenced old primary a standby of the new one (pg_rewind, else a base backup)", region,
            baseBackup);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            start.StartAndFollowAsync(parse,
                new ReprotectInput(parse.GetValue(region), parse.GetValue(baseBackup)), ct)));
        return command;
    }

    public static Command Failback()
    {
        var region = new Option<string?>("--to") { Description = "Home region (default: the topology's primary region)" };
        var baseBackup = new Option<bool>("--base-backup") { Description = "Re-protect with a fresh copy instead of pg_rewind" };
        var start = new RunbookStart("failback", timeoutSeconds: 12 * 3600);
        var command = start.Command("Back to the original roles after a failover: reprotect home's old primary, then switch over to it", region, baseBackup);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            start.StartAndFollowAsync(parse,
                new FailbackInput(parse.GetValue(region), start.PreApproved(parse), start.By(parse), parse.GetValue(start.ApprovalTimeout),
                    parse.GetValue(baseBackup)), ct)));
        return command;
    }
}
