using System.CommandLine;
using System.Net;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Incidents;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr incident start|tick|skip|close|show|list`: the EmergencyResponse runbook. Starting and acting go through the API
/// (a tick is the run's Incident event, checked here first so a wrong one changes nothing); show and list read the
/// incidents' records from the store.
/// </summary>
public static class IncidentCommands
{
    public static Command Incident()
    {
        var incident = new Command("incident", "The emergency-response checklist: open an incident, tick its items, see where it stands");
        incident.Subcommands.Add(Start());
        incident.Subcommands.Add(Act("tick", "Mark an item done", needsReason: false));
        incident.Subcommands.Add(Act("skip", "Skip an item, with a reason", needsReason: true));
        incident.Subcommands.Add(Close());
        incident.Subcommands.Add(Show());
        incident.Subcommands.Add(List());
        return incident;
    }

    private static Command Start()
    {
        var severity = new Option<string>("--severity") { Description = "critical, high, medium or low", Required = true };
        var summary = new Option<string>("--summary") { Description = "What happened", Required = true };
        var command = new Command("start", "Open an incident: the seed's checklist, due times from now") { severity, summary };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var input = new EmergencyResponseInput(parse.GetValue(severity)!, parse.GetValue(summary)!);
            if (input.Validate() is { } problem)
            {
                throw new BadInputException(problem);
            }

            await using var host = await HostAsync(parse, needsWorker: true, ct);
            var id = $"incident-{DateTime.UtcNow:yyyyMMddTHHmmss}-{Guid.NewGuid().ToString("N")[..4]}";
            var reply = await host.Client.StartAsync(nameof(EmergencyResponse), JsonSerializer.Serialize(new { input.Severity, input.Summary }, DrJson.Options),
                id);
            if (reply.Status != HttpStatusCode.Accepted)
            {
                return InstanceWatcher.Fail(reply);
            }

            Console.WriteLine($"{id}: open ({EmergencyChecklist.Items.Count} items; `dr incident show {id}`)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Act(string action, string description, bool needsReason)
    {
        var id = new Argument<string>("incident-id");
        var item = new Argument<string>("item") { Description = "The item's id (`dr incident show ID`)" };
        var by = new Option<string>("--by") { Description = "Who did it (recorded)", Required = true };
        var note = new Option<string?>(needsReason ? "--reason" : "--note")
        {
            Description = needsReason ? "Why it is skipped" : "What was done", Required = needsReason,
        };
        var command = new Command(action, description) { id, item, by, note };
        command.SetAction((parse, ct) => ExitCodes.Guard(() => RaiseAsync(parse, parse.GetValue(id)!,
            new IncidentAction(action, parse.GetValue(item), parse.GetValue(by), needsReason ? null : parse.GetValue(note),
                needsReason ? parse.GetValue(note) : null), ct)));
        return command;
    }

    private static Command Close()
    {
        var id = new Argument<string>("incident-id");
        var by = new Option<string>("--by") { Description = "Who closes it (recorded)", Required = true };
        var reason = new Option<string?>("--reason");
        var command = new Command("close", "Close an incident (items not done stay so in its record)") { id, by, reason };
        command.SetAction((parse, ct) => ExitCodes.Guard(() =>
            RaiseAsync(parse, parse.GetValue(id)!, new IncidentAction("close", By: parse.GetValue(by), Reason: parse.GetValue(reason)), ct)));
        return command;
    }

    /// <summary>The action checked against the incident's record first: a wrong one is refused here and sent nowhere.</summary>
    private static async Task<int> RaiseAsync(ParseResult parse, string id, IncidentAction action, CancellationToken ct)
    {
        if (DrIds.InstanceIdProblem(id) is { } bad)
        {
            throw new BadInputException(bad);
        }

        var incident = await Store(parse).FindAsync(id, ct) ?? throw new BadInputException($"no incident '{id}' (see `dr incident list`)");
        if (!incident.Open)
        {
            throw new SafetyCheckRefusedException($"{id} was closed at {incident.ClosedAt:u} by {incident.ClosedBy}");
        }

        var ticks = incident.Items.Where(i => i.Tick is not null).Select(i => i.Tick!).ToList();
        if (action.Problem(ticks) is { } problem)
        {
            throw new BadInputException(problem);
        }

        await using var host = await HostAsync(parse, needsWorker: false, ct);
        var reply = await host.Client.RaiseAsync(id, EmergencyResponse.ActionEvent, JsonSerializer.Serialize(action, DrJson.Options));
        if (reply.Status != HttpStatusCode.Accepted)
        {
            return InstanceWatcher.Fail(reply);
        }

        Console.WriteLine($"{id}: {action.Action} {action.Item} sent (recorded by the incident at its next turn)");
        return ExitCodes.Ok;
    }

    private static Command Show()
    {
        var id = new Argument<string>("incident-id");
        var json = new Option<bool>("--json");
        var html = new Option<string?>("--html") { Description = "Write the incident's HTML page (timeline and checklist) to this file" };
        var command = new Command("show", "An incident's checklist: each item's phase, owner, due time, and who ticked it when") { id, json, html };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var incident = await Store(parse).FindAsync(parse.GetValue(id)!, ct) ?? throw new BadInputException($"no incident '{parse.GetValue(id)}'");
            if (parse.GetValue(html) is { } file)
            {
                await File.WriteAllTextAsync(file, IncidentHtml.Render(incident, DateTime.UtcNow), ct);
                Console.Error.WriteLine($"dr: wrote {file}");
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(incident, DrJson.Indented));
                return ExitCodes.Ok;
            }

            Console.WriteLine($"{incident.Id} {incident.Severity}: {incident.Summary} — opened {incident.OpenedAt:u} ({incident.Trigger})" +
                (incident.ClosedAt is { } closed ? $", closed {closed:u} by {incident.ClosedBy}" : ", open"));
            foreach (var item in incident.Items)
            {
                var state = item.Tick is { } t ? $"{t.Outcome} by {t.By} {t.At:u}{(t.Evidence is { } e ? $" ({e})" : "")}"
                    : item.Overdue || DateTime.UtcNow >= item.DueAt ? $"OVERDUE since {item.DueAt:u}" : $"due {item.DueAt:u}";
                Console.WriteLine($"  {item.Phase,-12} {item.Id,-26} {item.Owner,-18} {state}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json");
        var command = new Command("list", "Incidents, newest first") { json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var incidents = await Store(parse).ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(incidents, DrJson.Indented));
                return ExitCodes.Ok;
            }

            foreach (var i in incidents)
            {
                Console.WriteLine($"{i.OpenedAt:u} {i.Id} {i.Severity,-8} {(i.Open ? "open" : "closed"),-6} " +
                    $"{i.Items.Count(x => x.Tick is not null)}/{i.Items.Count} done  {i.Summary}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static IncidentStore Store(ParseResult parse) => new(LocalConfiguration.Build(parse.GetValue(Settings), State(parse)).OpenStore(State(parse)));
}
