using System.CommandLine;
using CausalEval.Dr.Agent;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>`dr agent --node NAME --data-dir DIR`: the node agent beside one PostgreSQL, in the foreground.</summary>
public static class AgentCommands
{
    public static Command Agent()
    {
        var node = new Option<string>("--node") { Description = "The database node this agent serves (its name in the DR topology)", Required = true };
        var dataDir = new Option<string>("--data-dir") { Description = "The node's PostgreSQL data directory on this host", Required = true };
        var startPostgres = new Option<bool>("--start-postgres") { Description = "Start the node's PostgreSQL first, as a booting host does (fenced if the " +
            "DR state names another primary)" };
        var listen = new Option<string?>("--listen") { Description = "address:port to bind (default: Agent:Listen, else the address of its URL in the " +
            "topology)" };
        var command = new Command("agent", "Run the node agent of one database node (HTTPS, on the address it is told or its topology entry names)") { node,
            dataDir, startPostgres, listen };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var state = State(parse);
            var settings = AgentSettings.For(Configuration(parse), parse.GetValue(node)!, parse.GetValue(dataDir)!, state.Path, parse.GetValue(listen))
                with { StartPostgres = parse.GetValue(startPostgres) };
            await NodeAgentHost.RunAsync(settings, ct);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
