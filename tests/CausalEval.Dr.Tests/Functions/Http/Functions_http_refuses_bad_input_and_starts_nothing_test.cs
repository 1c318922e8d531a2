using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions.Http;

/// <summary>
/// Every kind of bad request to the Functions app's HTTP functions, as real ASP.NET Core requests on a real task
/// hub: a 4xx naming the problem, and nothing started, raised or terminated (the instance count does not move,
/// and the one instance waiting at its gate is still waiting).
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Functions_http_refuses_bad_input_and_starts_nothing_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServeProcess serve = null!;
    private FunctionsHttp functions = null!;
    private string waiting = null!;

    public async Task InitializeAsync()
    {
        var environment = new DrEnvironment(azurite, "functions-bad-input");
        serve = environment.Serve();
        functions = new FunctionsHttp(environment);
        // An instance at its approval gate: bad approvals and events must leave it there.
        var request = functions.Request("POST", "/api/orchestrators/DiagnosticApproval", "{}");
        var started = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticApproval", functions.Client));
        Assert.Equal(202, started.Status);
        waiting = started.Body!["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync()
    {
        await functions.DisposeAsync();
        await serve.DisposeAsync();
    }

    [Theory]
    [InlineData("NoSuchOrchestration", "", "{}", 404, "no orchestration named 'NoSuchOrchestration'")]
    [InlineData("DiagnosticStepChain", "", "{not json", 400, "input is not a valid DiagnosticStepChainInput")]
    [InlineData("DiagnosticStepChain", "", """{"steps": "three"}""", 400, "$.steps")]
    [InlineData("BackupConfiguration", "", """{"keepCount": 0}""", 400, "keepCount: 0 must be at least 1")]
    [InlineData("BackupDatabase", "", """{"source": "tape"}""", 400, "source: 'tape' is not a backup source")]
    [InlineData("RestoreApplicationState", "", "", 400, "backupId is required")]
    [InlineData("RecoverDatabase", "", """{"target": "latest", "dataDirectory": "/srv/pitr", "replace": true}""", 400, "dataDirectory and replace: give one")]
    [InlineData("RecoverDatabase", "", """{"target": "latest", "replace": true, "preApproved": true}""", 400, "approvedBy: who approves is required")]
    [InlineData("Failover", "", """{"to": 7}""", 400, "input is not a valid FailoverInput")]
    [InlineData("DiagnosticStepChain", "?instanceId=a/b", "{}", 400, "instanceId: 'a/b' holds a character")]
    [InlineData("DiagnosticStepChain", "?instanceId=%20padded", "{}", 400, "instanceId: ' padded' starts or ends with white space")]
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
        var before = await functions.CountInstancesAsync();
        var request = functions.Request("POST", $"/api/orchestrators/DiagnosticStepChain?instanceId={waiting}", "{}");

        var answer = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticStepChain", functions.Client));

        Assert.Equal(409, answer.Status);
        Assert.Equal($"instance '{waiting}' already exists", answer.Body!["error"]!.GetValue<string>());
        Assert.Equal(before, await functions.CountInstancesAsync());
        Assert.Equal("DiagnosticApproval", (await functions.Client.GetInstanceAsync(waiting))!.Name);
    }

    [Theory]
    [InlineData("approve", "", 400, "by: who decides is required")]
    [InlineData("approve", """{"reason": "looks fine"}""", 400, "by: who decides is required")]
    [InlineData("reject", "{by: nobody}", 400, "the decision is not")]
    [InlineData("reject", """{"by": ["a", "b"]}""", 400, "the decision is not")]
    [InlineData("raiseEvent", "{not json", 400, "event data is not JSON")]
    public async Task A_decision_or_event_with_a_bad_body_is_refused_and_the_gate_still_waits(string verb, string body, int status, string message)
    {
        var request = functions.Request("POST", $"/api/instances/{waiting}/{verb}", body);
        var call = verb switch
        {
            "approve" => functions.Functions.Approve(request, waiting, functions.Client),
            "reject" => functions.Functions.Reject(request, waiting, functions.Client),
            _ => functions.Functions.Raise(request, waiting, "Approve", functions.Client),
        };

        var answer = await FunctionsHttp.SendAsync(request, call);

        Assert.Equal(status, answer.Status);
        Assert.Contains(message, answer.Body!["error"]!.GetValue<string>());
        await Task.Delay(TimeSpan.FromSeconds(1)); // time enough for a raised event to reach the gate, had one been raised
        Assert.True((await functions.Client.GetInstanceAsync(waiting))!.IsRunning, "the gate did not stay waiting");
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
        var request = functions.Request("GET", pathAndQuery.Replace("ID", waiting));
        var call = pathAndQuery.Split('?')[0] switch
        {
            "/api/instances" => functions.Functions.List(request, functions.Client),
            "/api/instances/ID" => functions.Functions.Status(request, waiting, functions.Client),
            "/api/runs" => functions.Functions.Runs(request),
            _ => functions.Functions.Kpis(request),
        };

        var answer = await FunctionsHttp.SendAsync(request, call);

        Assert.Equal(400, answer.Status);
        Assert.Contains(message, answer.Body!["error"]!.GetValue<string>());
    }
}
