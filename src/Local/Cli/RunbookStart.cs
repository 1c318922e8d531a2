using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>Which approval options a runbook command offers.</summary>
public enum ApprovalGate
{
    /// <summary>The runbook has no gate.</summary>
    None,

    /// <summary>`--approve --by NAME` only (the gate waits as the runbook decides).</summary>
    PreApproval,

    /// <summary>`--approve --by NAME` and `--approval-timeout S`.</summary>
    WithTimeout,
}

/// <summary>
/// What the commands that start one runbook share: `--json`, `--no-wait`, `--timeout`, the approval options, and
/// starting it through the host, printing its id and how to approve it, then following it to its end.
/// </summary>
public sealed class RunbookStart(ApprovalGate gate, double timeoutSeconds = 3600)
{
    public Option<bool> Approve { get; } = new("--approve") { Description = "Pre-approve the gate (recorded as approved by --by)" };

    public Option<string?> ApprovedBy { get; } = new("--by") { Description = "Who pre-approves (with --approve)", DefaultValueFactory = _ => Environment.UserName };

    public Option<int> ApprovalTimeout { get; } = new("--approval-timeout") { Description = "Seconds the gate waits; then nothing changes", DefaultValueFactory = _ => 900 };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON" };

    public Option<bool> NoWait { get; } = new("--no-wait") { Description = "Print the instance id and return" };

    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds to wait for the end", DefaultValueFactory = _ => timeoutSeconds };

    public bool PreApproved(ParseResult parse) => gate != ApprovalGate.None && parse.GetValue(Approve);

    /// <summary>Who pre-approved; null unless --approve.</summary>
    public string? By(ParseResult parse) => PreApproved(parse) ? parse.GetValue(ApprovedBy) : null;

    public Command AddTo(Command command)
    {
        if (gate != ApprovalGate.None)
        {
            command.Options.Add(Approve);
            command.Options.Add(ApprovedBy);
        }

        if (gate == ApprovalGate.WithTimeout)
        {
            command.Options.Add(ApprovalTimeout);
        }

        command.Options.Add(Json);
        command.Options.Add(NoWait);
        command.Options.Add(Timeout);
        return command;
    }

    /// <param name="joinable">The runbook answers 409 with the running instance (a failover): follow that one instead.</param>
    /// <param name="waitsAtGate">False when this run has no gate to wait at although its runbook may (a recovery beside the cluster).</param>
    public async Task<int> StartAndFollowAsync(ParseResult parse, string runbook, string what, object input, CancellationToken ct, bool joinable = false,
        bool waitsAtGate = true)
    {
        await using var host = await HostAsync(parse, needsWorker: true, ct);
        var started = await host.Client.StartAsync(runbook, JsonSerializer.Serialize(input, input.GetType(), DrJson.Options), null);
        var joined = joinable && started.Status == HttpStatusCode.Conflict && started.Body?["joined"]?.GetValue<bool>() == true;
        if (started.Status != HttpStatusCode.Accepted && !joined)
        {
            return InstanceWatcher.Fail(started);
        }

        var id = started.Body!["id"]!.GetValue<string>();
        Console.Error.WriteLine(joined ? $"dr: a {what} is already running: {id}; following it (nothing new was started)"
            : gate == ApprovalGate.None || !waitsAtGate ? $"dr: {what} {id} started"
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
