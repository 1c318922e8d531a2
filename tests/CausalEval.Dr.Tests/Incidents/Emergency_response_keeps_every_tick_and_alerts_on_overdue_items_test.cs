using System.Text.Json.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Incidents;

/// <summary>
/// The EmergencyResponse runbook on `dr serve` (the checklist's due times scaled down: 5 minutes are 6 seconds): a
/// person's tick is recorded with who and when; a wrong tick is refused and sends nothing; the immediate items left
/// undone go overdue and their alerts reach a receiver, each resolving when its item is ticked; the runtime killed
/// right after a tick loses nothing; closing the incident resolves what still fires.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Emergency_response_keeps_every_tick_and_alerts_on_overdue_items_test(AzuriteFixture azurite)
{
    [Fact]
    public async Task Ticks_are_kept_across_a_kill_and_overdue_items_alert_until_ticked()
    {
        using var receiver = new FakeAlertReceiver();
        var environment = new DrEnvironment(azurite, "incident", new Dictionary<string, string>
        {
            ["DR_Runtime__WorkItemVisibilityTimeoutSeconds"] = "5",
            ["DR_Incidents__DueFactor"] = "0.02",
            ["DR_Alerts__Enabled"] = "true",
            ["DR_Alerts__EvaluateEverySeconds"] = "1",
            ["DR_Alerts__Receivers__hook__Kind"] = "webhook",
            ["DR_Alerts__Receivers__hook__Url"] = receiver.Url,
            ["DR_Alerts__Receivers__hook__Match__0"] = "alertname=incident_item_overdue",
            ["DR_Alerts__Receivers__hook__GroupBy__0"] = "item",
            ["DR_Alerts__Receivers__hook__GroupWaitSeconds"] = "0",
            ["DR_Alerts__Receivers__hook__GroupIntervalSeconds"] = "1",
        });
        var serve = environment.Serve();
        const string id = "incident-test-1";
        try
        {
            await serve.StartAsync("EmergencyResponse", new { severity = "critical", summary = "primary region lost" }, id);
            await WaitAsync(async () => (await ShowAsync(environment, id)) is not null, "the incident's record");

            // A person's tick: who, when.
            var tick = await environment.RunCliAsync("incident", "tick", id, "assess-scope", "--by", "alice", "--note", "the primary region is down");
            Assert.True(tick.ExitCode == 0, tick.Stderr);
            var assessed = await WaitForTickAsync(environment, id, "assess-scope");
            Assert.Equal(("done", "alice", "the primary region is down"),
                (assessed["outcome"]!.GetValue<string>(), assessed["by"]!.GetValue<string>(), assessed["note"]!.GetValue<string>()));

            // Wrong ticks change nothing: an item not on the checklist, a skip without a reason, a tick done already.
            Assert.Equal(2, (await environment.RunCliAsync("incident", "tick", id, "no-such-item", "--by", "alice")).ExitCode);
            Assert.Equal(2, (await environment.RunCliAsync("incident", "tick", id, "assess-scope", "--by", "bob")).ExitCode);
            var skip = await environment.RunCliAsync("incident", "skip", id, "begin-manual-recovery", "--by", "bob", "--reason", " ");
            Assert.Equal(2, skip.ExitCode);

            // The immediate items not done go overdue (6 s): one alert each reaches the receiver; not the one ticked in time. (Its
            // tick goes through a CLI process and the runbook: on a loaded machine it can land after the due time, and then the
            // alert is right to fire.)
            await receiver.WaitUntilAsync(() => Firing(receiver).Contains("notify-team"), "notify-team overdue alert", seconds: 60);
            var due = (await ShowAsync(environment, id))!["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == "assess-scope")!["dueAt"]!;
            if (assessed["at"]!.GetValue<DateTime>() < due.GetValue<DateTime>())
            {
                Assert.DoesNotContain("assess-scope", Firing(receiver));
            }

            // Ticked, then the runtime killed at once: the tick is kept, and its alert resolves.
            Assert.Equal(0, (await environment.RunCliAsync("incident", "tick", id, "notify-team", "--by", "bob")).ExitCode);
            serve.Kill();
            await serve.DisposeAsync();
            serve = environment.Serve();
            var notified = await WaitForTickAsync(environment, id, "notify-team");
            Assert.Equal("bob", notified["by"]!.GetValue<string>());
            await receiver.WaitUntilAsync(() => Resolved(receiver).Contains("notify-team"), "notify-team resolve", seconds: 60);
            Assert.Equal((await ShowAsync(environment, id))!["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == "assess-scope")!["tick"]!["at"]!
                .GetValue<DateTime>(), assessed["at"]!.GetValue<DateTime>()); // the earlier tick, unchanged

            // Closing resolves what still fires, and the run record holds every tick as a step.
            Assert.Equal(0, (await environment.RunCliAsync("incident", "close", id, "--by", "alice", "--reason", "drill over")).ExitCode);
            var end = await serve.WaitForEndAsync(id, TimeSpan.FromMinutes(1));
            Assert.Equal("Completed", end["runtimeStatus"]!.GetValue<string>());
            await receiver.WaitUntilAsync(() => Resolved(receiver).Contains("activate-channels"), "resolve after the close", seconds: 60);
            var record = await serve.Http.GetStringAsync($"/api/runs/{id}");
            Assert.Contains("Assess scope and impact of disaster", record);
            Assert.Contains("done by bob", record);

            // Its page: one timeline row per checklist item, nothing fetched.
            using var page = new HttpRequestMessage(HttpMethod.Get, $"/api/incidents/{id}") { Headers = { { "Accept", "text/html" } } };
            var html = await (await serve.Http.SendAsync(page)).Content.ReadAsStringAsync();
            Assert.Equal(16, System.Text.RegularExpressions.Regex.Count(html, "<rect class=\"item\""));
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
            Assert.Contains("done by alice", html);
        }
        finally
        {
            await serve.DisposeAsync();
        }
    }

    private static List<string> Firing(FakeAlertReceiver receiver) => Items(receiver, "firing");

    private static List<string> Resolved(FakeAlertReceiver receiver) => Items(receiver, "resolved");

    private static List<string> Items(FakeAlertReceiver receiver, string status) =>
        receiver.Requests.Where(r => r.Status == 202).SelectMany(r => r.Body["alerts"]!.AsArray())
            .Where(a => a!["status"]!.GetValue<string>() == status).Select(a => a!["labels"]!["item"]!.GetValue<string>()).ToList();

    private static async Task<JsonNode?> ShowAsync(DrEnvironment environment, string id)
    {
        var shown = await environment.RunCliAsync("incident", "show", id, "--json");
        return shown.ExitCode == 0 ? shown.Json : null;
    }

    private static async Task<JsonNode> WaitForTickAsync(DrEnvironment environment, string id, string item)
    {
        JsonNode? tick = null;
        await WaitAsync(async () =>
        {
            tick = (await ShowAsync(environment, id))?["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == item)!["tick"];
            return tick is not null;
        }, $"the tick of {item}");
        return tick!;
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within {seconds} s");
            await Task.Delay(200);
        }
    }
}
