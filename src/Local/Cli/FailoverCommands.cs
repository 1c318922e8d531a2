using System.CommandLine;
using CausalEval.Dr.Orchestrations.Failover;

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
        var start = new RunbookStart("failover");
        var command = start.Command("Fail the service over to another region (fence, promote, switch DNS, scale, verify)", to, force);
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            start.StartAndFollowAsync(parse, new FailoverInput(parse.GetValue(to), parse.GetValue(force), start.PreApproved(parse), start.By(parse),
                ApprovalTimeoutSeconds: parse.GetValue(start.ApprovalTimeout)), ct)));
        return command;
    }
}
