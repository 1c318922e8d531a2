using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Registry;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// What the verbs that start one runbook share, read from its registry row (<c>dr VERB</c>): `--json`, `--no-wait`,
/// `--timeout`, the approval options its gate takes, and starting it through the host, printing its id and how to
/// approve it (when this run stops at the gate), joining a running one (a joining start policy), then following it.
/// </summary>
public sealed class RunbookStart(string verb, double timeoutSeconds = 3600)
{
    private readonly RunbookDefinition runbook = RunbookRegistry.ForVerb(verb);


    /// <summary>The verb's command, with the options the runbook's gate takes.</summary>
    public Command Command(string description, params Symbol[] symbols)
    {
        var command = new Command(verb, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
            }
        }

        return AddTo(command);
    }

    public Option<bool> Approve { get; } = new("--approve") { Description = "Pre-approve the gate (recorded as approved by --by)" };

    public Option<string?> ApprovedBy { get; } = new("--by") { Description = "Who pre-approves (with --approve)", DefaultValueFactory = _
        => Environment.UserName };

    public Option<int> ApprovalTimeout { get; } = new("--approval-timeout") { Description = "Seconds the gate waits; then nothing changes",
        DefaultValueFactory = _ => 900 };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON" };

    public Option<bool> NoWait { get; } = new("--no-wait") { Description = "Print the instance id and return" };

    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds to wait for the end", DefaultValueFactory = _ => timeoutSeconds };

    public bool PreApproved(ParseResult parse) => runbook.Gate != ApprovalGate.None && parse.GetValue(Approve);

    /// <summary>Who pre-approved; null unless --approve.</summary>
    public string? By(ParseResult parse) => PreApproved(parse) ? parse.GetValue(ApprovedBy) : null;

    public Command AddTo(Command command)
    {
        if (runbook.Gate != ApprovalGate.None)
        {
            command.Options.Add(Approve);
            command.Options.Add(ApprovedBy);
        }

        if (runbook.Gate == ApprovalGate.WithTimeout)
        {
            command.Options.Add(ApprovalTimeout);
        }

        command.Options.Add(Json);
        command.Options.Add(NoWait);
        command.Options.Add(Timeout);
        return command;
    }

    /// <summary>
    /// Starts the runbook with <paramref name="input"/> and follows it. A runbook that joins a running instance (the
    /// failover) answers 409 with that one: it is followed instead.
    /// </summary>
    public async Task<int> StartAndFollowAsync(ParseResult parse, object input, CancellationToken ct)
    {
        var what = verb;
        var joinable = runbook.Start == StartPolicy.JoinRunning;
        var waitsAtGate = runbook.Gated.For(input);
        await using var host = await HostAsync(parse, needsWorker: true, ct);
        var started = await host.Client.StartAsync(runbook.Name, JsonSerializer.Serialize(input, input.GetType(), DrJson.Options), null);
        var joined = joinable && started.Status == HttpStatusCode.Conflict && started.Body?["joined"]?.GetValue<bool>() == true;
        if (started.Status != HttpStatusCode.Accepted && !joined)
        {
            return InstanceWatcher.Fail(started);
        }

        var id = started.Body!["id"]!.GetValue<string>();
        Console.Error.WriteLine(joined ? $"dr: a {what} is already running: {id}; following it (nothing new was started)"
            : runbook.Gate == ApprovalGate.None || !waitsAtGate ? $"dr: {what} {id} started"
            : PreApproved(parse) ? $"dr: {what} {id} started, pre-approved by {By(parse)}"
            : $"dr: {what} {id} started; when it reaches its gate it waits for `dr approve {id} --by NAME --reason TEXT` (or `dr reject`)");
        if (parse.GetValue(NoWait))
        {
            Console.WriteLine(parse.GetValue(Json) ? started.Body.ToJsonString(DrJson.Indented) : id);
            return ExitCodes.Ok;
        }

        return await InstanceWatcher.WaitAsync(host, id, parse.GetValue(Json), TimeSpan.FromSeconds(parse.GetValue(Timeout)), ct);
    }
}
