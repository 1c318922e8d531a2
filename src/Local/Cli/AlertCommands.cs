using System.CommandLine;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Alerts;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Alerts;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr alerts [--json]`: the alerts (firing, silenced, resolved), silences, waiting notifications, the latest deliveries and
/// dead letters, read from the alert state store; `dr alerts silence` and `dr alerts unsilence` write silences there (the
/// evaluator reads them each round).
/// </summary>
public static class AlertCommands
{
    public static Command Alerts()
    {
        var json = new Option<bool>("--json");
        var command = new Command("alerts", "Alerts: what fires, what is silenced, what was delivered to whom") { json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var view = await AlertsView.ReadAsync(Store(parse), DateTimeOffset.UtcNow, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(view, DrJson.Indented));
                return ExitCodes.Ok;
            }

            Print(view);
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(Test());
        command.Subcommands.Add(Silence());
        command.Subcommands.Add(Unsilence());
        return command;
    }

    /// <summary>
    /// A test alert, firing then resolved, to one receiver through the real path: the book, the outbox and its sender, with
    /// the receiver's retries (Retry-After honoured) for up to a minute each. Exit 0 when the receiver took both.
    /// </summary>
    private static Command Test()
    {
        var name = new Argument<string>("receiver");
        var command = new Command("test", "Send a test alert to a receiver, firing then resolved, and say what it answered") { name };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var configuration = LocalConfiguration.Build(parse.GetValue(Settings), State(parse));
            var receivers = AlertOptions.From(configuration).Receivers;
            var known = string.Join(", ", receivers.Keys.DefaultIfEmpty("none"));
            var receiver = receivers.GetValueOrDefault(parse.GetValue(name)!)
                ?? throw new BadInputException($"no receiver '{parse.GetValue(name)}' (Alerts:Receivers: {known})");
            if (receiver.Problems(parse.GetValue(name)!).FirstOrDefault() is { } problem)
            {
                throw new BadInputException(problem);
            }

            var only = new Dictionary<string, AlertReceiverOptions>
            {
                [parse.GetValue(name)!] = new()
                {
                    Kind = receiver.Kind, Url = receiver.Url, Secret = receiver.Secret, GroupWaitSeconds = 0, GroupIntervalSeconds = 0.001,
                    SendResolved = true, DeliveryBudgetSeconds = Math.Min(60, receiver.DeliveryBudgetSeconds),
                },
            };
            var test = Alert.Of("alert_test", "low", [new("receiver", parse.GetValue(name)!)], "a test alert from `dr alerts test`: firing, then resolved",
                "none");
            var state = AlertBookState.Empty();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var sender = new Adapters.Alerting.AlertSenders(http, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
                configuration["Alerts:ExternalUrl"]);
            foreach (var holding in new[] { new[] { test }, [] })
            {
                AlertOutbox.Enqueue(state, AlertBook.Step(state, holding, only, DateTimeOffset.UtcNow));
                while (state.Outbox.Count > 0)
                {
                    var wait = state.Outbox.Min(p => p.NextAttemptAt) - DateTimeOffset.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        Console.Error.WriteLine($"dr: {state.Outbox[0].LastError}; again in {wait.TotalSeconds:0.#} s");
                        await Task.Delay(wait, ct);
                    }

                    await AlertOutbox.DeliverAsync(state, only, sender, () => DateTimeOffset.UtcNow, ct);
                }

                if (state.DeadLetters.Count > 0)
                {
                    Console.WriteLine($"not delivered: {state.DeadLetters[^1].Result} ({state.DeadLetters[^1].Attempts} attempts)");
                    return ExitCodes.Failed;
                }

                var sent = state.Deliveries[^1];
                Console.WriteLine($"{sent.Status}: delivered to {sent.Receiver} ({sent.Id}, {sent.Attempts} attempts): {sent.Result}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Silence()
    {
        var match = new Option<string[]>("--match")
        {
            Description = "Label matchers, all to be met: alertname=backup_failure, severity=~critical|high", Required = true,
        };
        var duration = new Option<TimeSpan>("--for") { Description = "How long, from now (e.g. 02:00:00)", Required = true };
        var by = new Option<string>("--by") { Description = "Who silences (recorded)", Required = true };
        var comment = new Option<string>("--comment") { Description = "Why (recorded)", Required = true };
        var command = new Command("silence", "Mute alerts matching every matcher for a while (they still show, as silenced)") { match, duration, by, comment };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var matchers = parse.GetValue(match) ?? [];
            var silence = Core.Alerts.Silence.Create(matchers, parse.GetValue(duration), parse.GetValue(by), parse.GetValue(comment), DateTimeOffset.UtcNow);
            await Store(parse).AddSilenceAsync(silence, ct);
            Console.WriteLine($"{silence.Id}: {string.Join(", ", matchers)} until {silence.EndsAt:u}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Unsilence()
    {
        var id = new Argument<string>("silence-id");
        var command = new Command("unsilence", "End a silence now") { id };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var ended = await Store(parse).ExpireSilenceAsync(parse.GetValue(id)!, DateTimeOffset.UtcNow, ct)
                ?? throw new BadInputException($"no silence '{parse.GetValue(id)}' (see `dr alerts`)");
            Console.WriteLine($"{ended.Id}: ended {ended.EndsAt:u}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(AlertsView view)
    {
        if (view.Alerts.Count == 0)
        {
            Console.WriteLine("no alerts");
        }

        foreach (var a in view.Alerts)
        {
            var state = a.EndsAt is { } ended ? $"resolved {ended:u}" : a.SilencedBy is { } s ? $"silenced ({s})" : "FIRING";
            var labels = string.Join(",", a.Labels.Where(l => l.Key is not (Alert.NameLabel or Alert.SeverityLabel)).Select(l => $"{l.Key}={l.Value}"));
            Console.WriteLine($"{state,-24} {a.Labels.GetValueOrDefault(Alert.SeverityLabel),-8} {a.Name,-22} {labels,-30} since {a.StartsAt:u}  " +
                $"{a.Annotations.GetValueOrDefault("summary")}");
        }

        foreach (var s in view.Silences)
        {
            Console.WriteLine($"silence {s.Id}: {string.Join(", ", s.Matchers)} {s.StartsAt:u} … {s.EndsAt:u} by {s.CreatedBy}: {s.Comment}");
        }

        foreach (var w in view.Waiting)
        {
            Console.WriteLine($"waiting {w.Notification.Id} to {w.Notification.Receiver}: attempt {w.Attempts + 1} at {w.NextAttemptAt:u} ({w.LastError})");
        }

        foreach (var d in view.Deliveries.Take(10))
        {
            Console.WriteLine($"delivered {d.At:u} {d.Receiver} {d.Status} ({d.Alerts} alerts, {d.Attempts} attempts): {d.Result}");
        }

        foreach (var d in view.DeadLetters.Take(10))
        {
            Console.WriteLine($"DEAD {d.At:u} {d.Receiver} {d.Id} after {d.Attempts} attempts: {d.Result}");
        }
    }

    private static AlertStore Store(ParseResult parse) => new(LocalConfiguration.Build(parse.GetValue(Settings), State(parse)).OpenStore(State(parse)));
}
