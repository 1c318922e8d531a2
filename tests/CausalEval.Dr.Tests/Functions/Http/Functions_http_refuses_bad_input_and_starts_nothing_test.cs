using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions.Http;

/// <summary>
/// Every kind of bad request to the Functions app's HTTP functions, as real ASP.NET Core requests on a real task
/// hub: a 4xx naming the problem, and nothing started, raised or terminated (the instance count does not move,
/// and an instance waiting at its approval gate is still waiting there). Checks come before any work, so these
/// need no worker; the gate's test runs one (`dr serve`).
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Functions_http_refuses_bad_input_and_starts_nothing_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Waiting = "waiting-at-gate";
    private DrEnvironment environment = null!;
    private FunctionsHttp functions = null!;

    public async Task InitializeAsync()
    {
        environment = new DrEnvironment(azurite, "functions-bad-input");
        functions = new FunctionsHttp(environment);
        await functions.EnsureTaskHubAsync();
    }

    public async Task DisposeAsync() => await functions.DisposeAsync();

    /// <summary>An instance started through the Functions starter, and running at its approval gate.</summary>
    private async Task<string> StartWaitingAsync()
    {
        var request = functions.Request("POST", $"/api/orchestrators/DiagnosticApproval?instanceId={Waiting}", """{"timeoutSeconds": 600}""");
        var started = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticApproval", functions.Client));
        Assert.Equal(202, started.Status);
        await AtGateAsync(TimeSpan.FromSeconds(60));
        return Waiting;
    }

    private async Task AtGateAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (await functions.Client.GetInstanceAsync(Waiting) is not { IsRunning: true, SerializedCustomStatus: { } status }
            || !status.Contains("\"approval\""))
        {
            Assert.True(DateTime.UtcNow < deadline, "the instance did not reach its approval gate");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("NoSuchOrchestration", "", "{}", 404, "no orchestration named 'NoSuchOrchestration'")]
    [InlineData("DiagnosticStepChain", "", "{not json", 400, "the body is not JSON")]
    [InlineData("DiagnosticStepChain", "", "[1, 2]", 400, "input must be a JSON object of DiagnosticStepChainInput's fields")]
    [InlineData("DiagnosticStepChain", "", """{"steps": "three"}""", 400, "$.steps")]
    [InlineData("DiagnosticStepChain", "", """{"steps": 2, "stepz": 1}""", 400,
        "stepz: not a field of DiagnosticStepChainInput (fields: failAt, journal, stepDelayMs, steps)")]
    [InlineData("BackupConfiguration", "", """{"keepCount": 0}""", 400, "keepCount: 0 is outside 1..10000")]
    [InlineData("BackupConfiguration", "", """{"keepCount": 10001}""", 400, "keepCount: 10001 is outside 1..10000")]
    [InlineData("BackupDatabase", "", """{"keepDays": 100000000}""", 400, "keepDays: 100000000 is outside (0, 36500]")]
    [InlineData("BackupDatabase", "", """{"walWindowDays": 36501}""", 400, "walWindowDays: 36501 is outside (0, 36500]")]
    [InlineData("BackupDatabase", "", """{"trigger": "schedule"}""", 400, "trigger: set by the starter")]
    [InlineData("RestoreApplicationState", "", """{"backupId": "../../etc"}""", 400, "backupId: '../../etc' is not a backup id")]
    [InlineData("RecoverDatabase", "", """{"backupId": "a/b", "dataDirectory": "/srv/r"}""", 400, "backupId: 'a/b' is not a backup id")]
    [InlineData("BackupDatabase", "", """{"source": "tape"}""", 400, "source: 'tape' is not a backup source")]
    [InlineData("RestoreApplicationState", "", "", 400, "backupId is required")]
    [InlineData("RecoverDatabase", "", """{"target": "latest", "dataDirectory": "/srv/pitr", "replace": true}""", 400, "dataDirectory and replace: give one")]
    [InlineData("RecoverDatabase", "", """{"target": "latest", "replace": true, "preApproved": true}""", 400, "approvedBy: who approves is required")]
    [InlineData("Failover", "", """{"to": 7}""", 400, "input is not a valid FailoverInput")]
    // What the monitor alone sets: a caller claiming it would skip the approval gate and move the RTO clock.
    [InlineData("Failover", "", """{"trigger": "monitor"}""", 400, "trigger: set by the starter")]
    [InlineData("Failover", "", """{"detectedAt": "2026-01-01T00:00:00Z"}""", 400, "detectedAt: set by the monitor")]
    [InlineData("Failover", "", """{"lastPrimaryLsn": "0/3000000"}""", 400, "lastPrimaryLsn: set by the monitor")]
    [InlineData("HealthMonitor", "", """{"failedRounds": 5}""", 400, "failedRounds: set by the monitor itself")]
    [InlineData("Failover", "", """{"preApproved": true}""", 400, "approvedBy: who approves is required with preApproved")]
    [InlineData("Switchover", "", """{"preApproved": true, "approvedBy": " "}""", 400, "approvedBy: who approves is required with preApproved")]
    // Ids a starter reserves, and ids no layer can carry.
    [InlineData("Failover", "?instanceId=failover-mine", "{}", 400, "a Failover's id is chosen by its starter")]
    [InlineData("DiagnosticApproval", "?instanceId=failover-x", "{}", 400, "'failover-x' is reserved for Failover (failover-…)")]
    [InlineData("DiagnosticApproval", "?instanceId=health-monitor", "{}", 400, "'health-monitor' is reserved for HealthMonitor (health-monitor)")]
    [InlineData("HealthMonitor", "?instanceId=monitor-2", "{}", 400, "a HealthMonitor runs only as 'health-monitor'")]
    [InlineData("DiagnosticStepChain", "?instanceId=schedule-ConfigurationBackup-20261206T103000Z", "{}", 400,
        "is reserved for the schedulers' occurrences (schedule-…)")]
    [InlineData("DiagnosticStepChain", "?instanceId=drtest-1", "{}", 400, "is reserved for the DR drills (drtest-…)")]
    [InlineData("DiagnosticStepChain", "?instanceId=a/b", "{}", 400, "instanceId: 'a/b' is not an instance id")]
    [InlineData("DiagnosticStepChain", "?instanceId=%20padded", "{}", 400, "instanceId: ' padded' is not an instance id")]
    [InlineData("DiagnosticStepChain", "?instanceId=..", "{}", 400, "instanceId: '..' is not an instance id")]
    public async Task A_start_with_bad_input_is_refused_and_starts_nothing(string name, string query, string body, int status, string message)
    {
        var before = await functions.CountInstancesAsync();
        var request = functions.Request("POST", $"/api/orchestrators/{name}{query}", body);

        var answer = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, name, functions.Client));

        Assert.Equal(status, answer.Status);
        Assert.Contains(message, answer.Body!["error"]!.GetValue<string>());
        Assert.Equal(before, await functions.CountInstancesAsync());
    }

    [Fact]
    public async Task A_start_with_an_instance_id_that_exists_is_409_and_starts_nothing()
    {
        var first = functions.Request("POST", $"/api/orchestrators/DiagnosticApproval?instanceId={Waiting}", "{}");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(first, functions.Functions.Start(first, "DiagnosticApproval", functions.Client))).Status);
        var before = await functions.CountInstancesAsync();
        var request = functions.Request("POST", $"/api/orchestrators/DiagnosticStepChain?instanceId={Waiting}", "{}");

        var answer = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticStepChain", functions.Client));

        Assert.Equal(409, answer.Status);
        Assert.Equal($"instance '{Waiting}' already exists", answer.Body!["error"]!.GetValue<string>());
        Assert.Equal(before, await functions.CountInstancesAsync());
        Assert.Equal("DiagnosticApproval", (await functions.Client.GetInstanceAsync(Waiting))!.Name);
    }

    [Fact]
    public async Task A_second_move_of_the_service_is_409_naming_the_running_one_and_starts_nothing()
    {
        // No worker: the switchover stays Pending, which is running as far as a second move is concerned.
        var first = functions.Request("POST", "/api/orchestrators/Switchover?instanceId=move-1", "{}");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(first, functions.Functions.Start(first, "Switchover", functions.Client))).Status);
        var before = await functions.CountInstancesAsync();

        foreach (var (runbook, body) in new[]
                 {
                     ("Failover", "{}"), ("Reprotect", "{}"), ("Failback", "{}"), ("Switchover", "{}"), ("RecoverRegion", """{"region": "dr"}"""),
                     ("RecoverDatabase", """{"target": "latest", "replace": true}"""),
                 })
        {
            var request = functions.Request("POST", $"/api/orchestrators/{runbook}", body);
            var answer = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, runbook, functions.Client));

            Assert.True(answer.Status == 409, $"{runbook}: {answer.Status} {answer.Text}");
            Assert.Equal("move-1", answer.Body!["id"]!.GetValue<string>());
            Assert.Equal("Switchover", answer.Body["running"]!.GetValue<string>());
            Assert.StartsWith("a Switchover is already running (move-1)", answer.Body["error"]!.GetValue<string>());
        }

        Assert.Equal(before, await functions.CountInstancesAsync());
        var other = functions.Request("POST", "/api/orchestrators/DiagnosticStepChain", "{}");
        Assert.Equal(202,
            (await FunctionsHttp.SendAsync(other, functions.Functions.Start(other, "DiagnosticStepChain", functions.Client))).Status); // other runbooks go on
    }

    [Fact]
    public async Task A_database_recovery_in_place_is_a_move_and_one_beside_the_cluster_is_not()
    {
        var replace = functions.Request("POST", "/api/orchestrators/RecoverDatabase?instanceId=pitr-in-place", """{"target": "latest", "replace": true}""");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(replace, functions.Functions.Start(replace, "RecoverDatabase", functions.Client))).Status);

        var switchover = functions.Request("POST", "/api/orchestrators/Switchover", "{}");
        var refused = await FunctionsHttp.SendAsync(switchover, functions.Functions.Start(switchover, "Switchover", functions.Client));
        Assert.Equal(409, refused.Status);
        Assert.Equal(("pitr-in-place", "RecoverDatabase"), (refused.Body!["id"]!.GetValue<string>(), refused.Body["running"]!.GetValue<string>()));

        var beside = functions.Request("POST", "/api/orchestrators/RecoverDatabase", """{"target": "latest", "dataDirectory": "/srv/pitr-beside"}""");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(beside, functions.Functions.Start(beside, "RecoverDatabase", functions.Client))).Status);
    }

    [Fact]
    public async Task A_decision_or_event_with_a_bad_body_is_refused_and_the_gate_still_waits()
    {
        await using var serve = environment.Serve();
        var id = await StartWaitingAsync();
        (string Verb, string Body, string Message)[] cases =
        [
            ("approve", "", "by: who decides is required"),
            ("approve", """{"reason": "looks fine"}""", "by: who decides is required"),
            ("approve", """{"by": "  "}""", "by: who decides is required"),
            ("reject", "{by: nobody}", "the decision is not"),
            ("reject", """{"by": ["a", "b"]}""", "the decision is not"),
            ("reject", """{"by": "on-call", "becauze": "x"}""", "the decision is not"),
            ("approve", $$"""{"by": "{{new string('x', 201)}}"}""", "by: a name of at most 200 characters"),
            ("approve", """{"by": "on\ncall"}""", "by: a name of at most 200 characters, no control characters"),
            // A raised Approve or Reject event meets the same checks as the approve route: no decision without who takes it.
            ("raiseEvent", "{not json", "the decision is not"),
            ("raiseEvent", "", "by: who decides is required"),
            ("raiseEvent", """{"reason": "forged"}""", "by: who decides is required"),
        ];

        foreach (var (verb, body, message) in cases)
        {
            var request = functions.Request("POST", $"/api/instances/{id}/{verb}", body);
            var call = verb switch
            {
                "approve" => functions.Functions.Approve(request, id, functions.Client),
                "reject" => functions.Functions.Reject(request, id, functions.Client),
                _ => functions.Functions.Raise(request, id, "Approve", functions.Client),
            };

            var answer = await FunctionsHttp.SendAsync(request, call);

            Assert.True(answer.Status == 400, $"{verb} {body}: {answer.Status} {answer.Text}");
            Assert.Contains(message, answer.Body!["error"]!.GetValue<string>());
        }

        // A decision for a step the run is not waiting at (a late second click) is refused, and so is one for a run at no gate.
        var stale = functions.Request("POST", $"/api/instances/{id}/approve", """{"by": "on-call", "step": 4}""");
        var refused = await FunctionsHttp.SendAsync(stale, functions.Functions.Approve(stale, id, functions.Client));
        Assert.Equal(409, refused.Status);
        Assert.Equal($"instance '{id}' waits at step 1 'approval', not at step 4: nothing decided", refused.Body!["error"]!.GetValue<string>());
        var busy = functions.Request("POST", "/api/orchestrators/DiagnosticStepChain?instanceId=no-gate", """{"steps": 1, "stepDelayMs": 60000}""");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(busy, functions.Functions.Start(busy, "DiagnosticStepChain", functions.Client))).Status);
        await WaitAsync("no-gate", i => i.SerializedCustomStatus?.Contains("\"step 1\"") == true);
        var noGate = functions.Request("POST", "/api/instances/no-gate/approve", """{"by": "on-call"}""");
        var notWaiting = await FunctionsHttp.SendAsync(noGate, functions.Functions.Approve(noGate, "no-gate", functions.Client));
        Assert.Equal(409, notWaiting.Status);
        Assert.StartsWith("instance 'no-gate' is not waiting at an approval gate: it is at step 1", notWaiting.Body!["error"]!.GetValue<string>());

        // Had any of them reached the gate, the instance would have ended by now: the worker is idle but for it.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await AtGateAsync(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_and_starts_nothing()
    {
        var before = await functions.CountInstancesAsync();
        var request = functions.Request("POST", "/api/orchestrators/DiagnosticStepChain", $$"""{"journal": "{{new string('x', (1 << 20) + 1)}}"}""");

        var answer = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticStepChain", functions.Client));

        Assert.Equal(413, answer.Status);
        Assert.Equal("the body is larger than 1048576 bytes", answer.Body!["error"]!.GetValue<string>());
        Assert.Equal(before, await functions.CountInstancesAsync());
        var longString = functions.Request("POST", "/api/orchestrators/DiagnosticStepChain", $$"""{"journal": "{{new string('x', 4097)}}"}""");
        var refused = await FunctionsHttp.SendAsync(longString, functions.Functions.Start(longString, "DiagnosticStepChain", functions.Client));
        Assert.Equal((400, "$.journal: 4097 characters (at most 4096)"), (refused.Status, refused.Body!["error"]!.GetValue<string>()));
    }

    private async Task WaitAsync(string id, Func<Microsoft.DurableTask.Client.OrchestrationMetadata, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await functions.Client.GetInstanceAsync(id) is not { } instance || !condition(instance))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} did not get there within 60 s");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("reject")]
    [InlineData("raiseEvent")]
    [InlineData("terminate")]
    public async Task Acting_on_an_unknown_instance_is_404(string verb)
    {
        var request = functions.Request("POST", $"/api/instances/no-such-instance/{verb}", """{"by": "on-call"}""");
        var call = verb switch
        {
            "approve" => functions.Functions.Approve(request, "no-such-instance", functions.Client),
            "reject" => functions.Functions.Reject(request, "no-such-instance", functions.Client),
            "raiseEvent" => functions.Functions.Raise(request, "no-such-instance", "Approve", functions.Client),
            _ => functions.Functions.Terminate(request, "no-such-instance", functions.Client),
        };

        var answer = await FunctionsHttp.SendAsync(request, call);

        Assert.Equal(404, answer.Status);
        Assert.Equal("no instance 'no-such-instance'", answer.Body!["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/instances?runtimeStatus=Runing", "runtimeStatus: unknown status 'Runing'")]
    [InlineData("/api/instances?runtimeStatus=1", "runtimeStatus: unknown status '1'")]
    [InlineData("/api/instances?top=0", "top: '0' is not a whole number from 1 to 1000")]
    [InlineData("/api/instances?top=ten", "top: 'ten' is not a whole number")]
    [InlineData("/api/instances/ID?showHistory=yes", "showHistory: 'yes' is not true or false")]
    [InlineData("/api/runs?runbook=Failovr", "runbook: no runbook named 'Failovr'")]
    [InlineData("/api/runs?days=-1", "days: '-1' is not a number of days above 0")]
    [InlineData("/api/runs?days=week", "days: 'week' is not a number of days above 0")]
    [InlineData("/api/reports/kpis?days=0", "days: '0' is not a number of days above 0")]
    [InlineData("/api/reports/kpis?days=100000", "days: '100000' is not a number of days above 0 and at most 400")]
    public async Task A_query_with_a_bad_parameter_is_400_naming_it(string pathAndQuery, string message)
    {
        var request = functions.Request("GET", pathAndQuery.Replace("ID", Waiting));
        var call = pathAndQuery.Split('?')[0] switch
        {
            "/api/instances" => functions.Functions.List(request, functions.Client),
            "/api/instances/ID" => functions.Functions.Status(request, Waiting, functions.Client),
            "/api/runs" => functions.Functions.Runs(request),
            _ => functions.Functions.Kpis(request),
        };

        var answer = await FunctionsHttp.SendAsync(request, call);

        Assert.Equal(400, answer.Status);
        Assert.Contains(message, answer.Body!["error"]!.GetValue<string>());
    }
}
