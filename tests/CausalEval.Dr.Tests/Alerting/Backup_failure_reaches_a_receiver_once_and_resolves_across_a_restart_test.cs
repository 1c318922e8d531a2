using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Alerting;

/// <summary>
/// `dr serve` with the alert evaluator and a webhook receiver on loopback: a failed base backup fires backup_failure; the
/// receiver's 429 and Retry-After are waited out; it gets the firing once, and nothing more within the repeat interval;
/// `dr serve` is killed and started again while it fires; once the failure leaves the rule's window the receiver gets the
/// resolve, once, under the same fingerprint. `dr alerts test` then sends a test alert, firing and resolved.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Backup_failure_reaches_a_receiver_once_and_resolves_across_a_restart_test(AzuriteFixture azurite)
{
    [Fact]
    public async Task Firing_once_after_a_429_then_resolved_once_after_a_restart()
    {
        using var receiver = new FakeAlertReceiver { Answer = n => n == 1 ? (429, 2) : (202, null) };
        var environment = new DrEnvironment(azurite, "alerts", new Dictionary<string, string>
        {
            ["DR_Runtime__WorkItemVisibilityTimeoutSeconds"] = "5", // the round a kill interrupted is picked up again within seconds
            ["DR_Alerts__Enabled"] = "true",
            ["DR_Alerts__EvaluateEverySeconds"] = "1",
            ["DR_Alerts__Rules__backup_failure__WindowHours"] = "0.006", // about 22 s: the failure then leaves the window
            ["DR_Alerts__Receivers__hook__Kind"] = "webhook",
            ["DR_Alerts__Receivers__hook__Url"] = receiver.Url,
            ["DR_Alerts__Receivers__hook__Match__0"] = "alertname=backup_failure",
            ["DR_Alerts__Receivers__hook__GroupWaitSeconds"] = "0",
            ["DR_Alerts__Receivers__hook__GroupIntervalSeconds"] = "1",
            ["DR_Alerts__Receivers__hook__RepeatIntervalSeconds"] = "3600",
        });
        var serve = environment.Serve();
        try
        {
            // No topology: the base backup fails at its first step, and its run record says so.
            var backup = await serve.WaitForEndAsync(await serve.StartAsync("BackupDatabase", new { }), TimeSpan.FromMinutes(1));
            Assert.Equal("Failed", backup["runtimeStatus"]!.GetValue<string>());

            await receiver.WaitUntilAsync(() => receiver.Requests.Count(r => r.Status == 202) == 1, "firing notification", seconds: 60);
            var sent = receiver.Requests.ToArray();
            Assert.Equal([429, 202], sent.Select(r => r.Status));
            Assert.True(sent[1].At - sent[0].At >= TimeSpan.FromSeconds(1.9), $"retried {sent[1].At - sent[0].At} after a Retry-After of 2 s");
            var firing = sent[1].Body;
            Assert.Equal("firing", firing["status"]!.GetValue<string>());
            var alert = firing["alerts"]![0]!;
            Assert.Equal(("backup_failure", "database"),
                (alert["labels"]!["alertname"]!.GetValue<string>(), alert["labels"]!["backup_kind"]!.GetValue<string>()));
            var fingerprint = alert["fingerprint"]!.GetValue<string>();

            // Killed and started again while it fires: nothing is sent again.
            await Task.Delay(TimeSpan.FromSeconds(3));
            serve.Kill();
            await serve.DisposeAsync();
            serve = environment.Serve();
            await receiver.WaitUntilAsync(() => receiver.Requests.Any(r => r.Body["status"]!.GetValue<string>() == "resolved"), "resolve", seconds: 90);
            await Task.Delay(TimeSpan.FromSeconds(3)); // a second resolve, if there were one, would come within a round or two

            var delivered = receiver.Requests.Where(r => r.Status == 202).ToArray();
            Assert.Equal(["firing", "resolved"], delivered.Select(r => r.Body["status"]!.GetValue<string>()));
            Assert.Equal(fingerprint, delivered[1].Body["alerts"]![0]!["fingerprint"]!.GetValue<string>());
            Assert.NotEqual("0001-01-01T00:00:00Z", delivered[1].Body["alerts"]![0]!["endsAt"]!.GetValue<string>());

            var view = await environment.RunCliAsync("alerts", "--json");
            Assert.True(view.ExitCode == 0, view.Stderr);
            Assert.Contains(view.Json["alerts"]!.AsArray(), a => a!["fingerprint"]!.GetValue<string>() == fingerprint
                && a["status"]!.GetValue<string>() == "resolved");

            // `dr alerts test`: a test alert through the same senders, firing then resolved.
            var before = receiver.Requests.Count;
            var test = await environment.RunCliAsync("alerts", "test", "hook");
            Assert.True(test.ExitCode == 0, test.Stdout + test.Stderr);
            var tests = receiver.Requests.Skip(before).ToArray();
            Assert.Equal(["firing", "resolved"], tests.Select(r => r.Body["status"]!.GetValue<string>()));
            Assert.All(tests, r => Assert.Equal("alert_test", r.Body["alerts"]![0]!["labels"]!["alertname"]!.GetValue<string>()));
            Assert.Equal(2, (await environment.RunCliAsync("alerts", "test", "nobody")).ExitCode);
        }
        finally
        {
            await serve.DisposeAsync();
        }
    }
}
