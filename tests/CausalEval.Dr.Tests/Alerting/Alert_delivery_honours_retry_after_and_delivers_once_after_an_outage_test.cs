using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Alerting;
using CausalEval.Dr.Core.Alerts;
using CausalEval.Dr.Orchestrations.Alerts;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Alerting;

/// <summary>
/// Notifications through the real senders to a receiver on loopback: the Alertmanager v4 body with its fingerprint, the
/// idempotency key and the HMAC signature; a 429's Retry-After waited out; a receiver that fails for a while gets the
/// notification afterwards, once; past the budget a dead letter and alert_delivery_failed; PagerDuty's trigger and resolve
/// under one dedup_key.
/// </summary>
public sealed class Alert_delivery_honours_retry_after_and_delivers_once_after_an_outage_test
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private DateTimeOffset now = T0;

    private static AlertReceiverOptions Hook(FakeAlertReceiver receiver, string? secret = null, double budget = 3600) => new()
    {
        Kind = AlertReceiverOptions.Webhook, Url = receiver.Url, Secret = secret, GroupWaitSeconds = 0, DeliveryBudgetSeconds = budget,
    };

    private static Alert Backup(string kind) =>
        Alert.Of(AlertRules.BackupFailure, "critical", [new("backup_kind", kind)], $"{kind} backups fail", "immediate_investigation");

    private async Task<int> RoundAsync(AlertBookState state, IReadOnlyList<Alert> holding, Dictionary<string, AlertReceiverOptions> receivers)
    {
        AlertOutbox.Enqueue(state, AlertBook.Step(state, holding, receivers, now));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await AlertOutbox.DeliverAsync(state, receivers, new AlertSenders(http, NullLogger.Instance, "https://dr.example.org"), () => now,
            CancellationToken.None);
    }

    [Fact]
    public async Task The_body_is_alertmanagers_v4_signed_and_keyed_and_a_429s_retry_after_is_waited_out()
    {
        using var receiver = new FakeAlertReceiver { Answer = n => n == 1 ? (429, 7) : (202, null) };
        var receivers = new Dictionary<string, AlertReceiverOptions> { ["oncall"] = Hook(receiver, secret: "s3cret") };
        var state = AlertBookState.Empty();
        var wal = Backup("wal");

        Assert.Equal(0, await RoundAsync(state, [wal], receivers));
        var waiting = Assert.Single(state.Outbox);
        Assert.Equal(T0.AddSeconds(7), waiting.NextAttemptAt); // Retry-After (7 s) over the backoff (1 s)
        now = T0.AddSeconds(6);
        Assert.Equal(0, await RoundAsync(state, [wal], receivers));
        Assert.Single(receiver.Requests);
        now = T0.AddSeconds(7);
        Assert.Equal(1, await RoundAsync(state, [wal], receivers));

        var sent = receiver.Requests.ToArray();
        Assert.Equal([429, 202], sent.Select(r => r.Status));
        Assert.Equal(sent[0].Headers["Idempotency-Key"], sent[1].Headers["Idempotency-Key"]); // one notification, sent twice
        Assert.Equal(AlertmanagerWebhook.Signature("s3cret", sent[1].Text), sent[1].Headers[AlertmanagerWebhook.SignatureHeader]);
        var body = sent[1].Body;
        Assert.Equal(("4", "firing", "oncall"),
            (body["version"]!.GetValue<string>(), body["status"]!.GetValue<string>(), body["receiver"]!.GetValue<string>()));
        Assert.Equal("backup_failure", body["groupLabels"]!["alertname"]!.GetValue<string>());
        Assert.Equal("wal", body["commonLabels"]!["backup_kind"]!.GetValue<string>());
        var alert = Assert.Single(body["alerts"]!.AsArray())!;
        Assert.Equal(wal.Fingerprint, alert["fingerprint"]!.GetValue<string>());
        Assert.Equal("0001-01-01T00:00:00Z", alert["endsAt"]!.GetValue<string>());
        Assert.Equal("immediate_investigation", alert["annotations"]!["action"]!.GetValue<string>());
        Assert.Equal("2026-12-07T12:00:00.000Z", alert["startsAt"]!.GetValue<string>());
        Assert.Contains(state.Deliveries, d => d.Id == sent[1].Headers["Idempotency-Key"] && d.Attempts == 2);
    }

    [Fact]
    public async Task A_receiver_that_fails_for_a_while_gets_the_notification_afterwards_once_and_one_past_its_budget_raises_its_own_alert()
    {
        using var receiver = new FakeAlertReceiver { Answer = n => n <= 3 ? (503, null) : (202, null) };
        var receivers = new Dictionary<string, AlertReceiverOptions> { ["oncall"] = Hook(receiver) };
        receivers["oncall"].GroupIntervalSeconds = 1;
        var state = AlertBookState.Empty();
        var wal = Backup("wal");

        for (var t = 0; t <= 20; t++)
        {
            now = T0.AddSeconds(t);
            await RoundAsync(state, t < 10 ? [wal] : [], receivers); // 503 at 0, 1 and 3 s (backoff 1, 2, 4 s); the condition clears at 10 s
        }

        var sent = receiver.Requests.ToArray();
        Assert.Equal([503, 503, 503, 202, 202], sent.Select(r => r.Status));
        Assert.Single(sent.Take(4).Select(r => r.Headers["Idempotency-Key"]).Distinct()); // the same notification, delivered once
        Assert.Equal(["firing", "resolved"], sent.Where(r => r.Status == 202).Select(r => r.Body["status"]!.GetValue<string>()));
        Assert.All(sent, r => Assert.Equal(wal.Fingerprint, r.Body["alerts"]![0]!["fingerprint"]!.GetValue<string>()));
        var firing = state.Deliveries.Single(d => d.Id == sent[3].Headers["Idempotency-Key"]);
        Assert.Equal((4, T0.AddSeconds(7)), (firing.Attempts, firing.At)); // the fourth attempt, after backoffs of 1, 2 and 4 s
        Assert.Empty(state.Outbox);

        // A receiver down past its budget: a dead letter, and alert_delivery_failed names it until a delivery to it succeeds.
        using var down = new FakeAlertReceiver { Answer = _ => (503, null) };
        receivers["down"] = Hook(down, budget: 10);
        var database = Backup("database");
        for (var t = 30; t <= 47; t++)
        {
            now = T0.AddSeconds(t);
            await RoundAsync(state, [database, .. AlertOutbox.DeliveryFailures(state)], receivers);
        }

        var dead = Assert.Single(state.DeadLetters);
        Assert.Equal("down", dead.Receiver);
        Assert.StartsWith("503", dead.Result);
        var failing = Assert.Single(AlertOutbox.DeliveryFailures(state));
        Assert.Equal(("alert_delivery_failed", "down"), (failing.Name, failing.Labels["receiver"]));
        Assert.Contains(receiver.Requests, r => r.Status == 202
            && r.Body["alerts"]!.AsArray().Any(a => a!["labels"]!["alertname"]!.GetValue<string>() == "alert_delivery_failed"));
    }

    [Fact]
    public async Task Pagerduty_gets_a_trigger_then_a_resolve_under_the_fingerprint_as_dedup_key()
    {
        using var pagerDuty = new FakeAlertReceiver();
        var receivers = new Dictionary<string, AlertReceiverOptions>
        {
            ["pager"] = new()
            {
                Kind = AlertReceiverOptions.PagerDuty, Url = pagerDuty.Url, Secret = "R0UT1NGKEY", GroupWaitSeconds = 0, GroupIntervalSeconds = 1,
            },
        };
        var state = AlertBookState.Empty();
        var rto = Alert.Of(AlertRules.RtoViolation, "high", [new("runbook", "Failover")], "Failover took too long", "process_review");

        await RoundAsync(state, [rto], receivers);
        now = T0.AddSeconds(5);
        await RoundAsync(state, [], receivers);

        var events = pagerDuty.Requests.Select(r => r.Body).ToArray();
        Assert.Equal(["trigger", "resolve"], events.Select(e => e["event_action"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal(rto.Fingerprint, e["dedup_key"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal("R0UT1NGKEY", e["routing_key"]!.GetValue<string>()));
        var payload = events[0]["payload"]!;
        Assert.Equal(("Failover took too long", "error", "rto_violation", "Failover"),
            (payload["summary"]!.GetValue<string>(), payload["severity"]!.GetValue<string>(), payload["class"]!.GetValue<string>(),
                payload["component"]!.GetValue<string>()));
        Assert.Equal("causaleval-dr", payload["source"]!.GetValue<string>());
        Assert.Equal("process_review", payload["custom_details"]!["action"]!.GetValue<string>());
        Assert.Null(events[1]["payload"]);
    }
}
