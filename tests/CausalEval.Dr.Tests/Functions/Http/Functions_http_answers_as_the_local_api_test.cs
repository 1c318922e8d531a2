using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions.Http;

/// <summary>
/// For the same instance state, the Functions app's HTTP functions (real ASP.NET Core requests, in process) and
/// `dr serve`'s API (real HTTP) send the same status code and the same JSON: status (with and without history),
/// lists, 409 for a taken id, approval, 410 once ended, a failed run, run records and the KPI report.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Functions_http_answers_as_the_local_api_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServeProcess serve = null!;
    private FunctionsHttp functions = null!;

    public Task InitializeAsync()
    {
        var environment = new DrEnvironment(azurite, "functions-alike");
        serve = environment.Serve();
        functions = new FunctionsHttp(environment);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await functions.DisposeAsync();
        await serve.DisposeAsync();
    }

    [Fact]
    public async Task Both_hosts_answer_alike_from_start_to_record()
    {
        const string id = "alike-approval";
        var request = functions.Request("POST", $"/api/orchestrators/DiagnosticApproval?instanceId={id}", """{"timeoutSeconds": 600}""");
        var started = await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticApproval", functions.Client));
        Assert.Equal(202, started.Status);
        Assert.Equal(id, started.Body!["id"]!.GetValue<string>());
        Assert.Equal($"https://causal-eval-dr.azurewebsites.net/api/instances/{id}", started.Body["statusQueryGetUri"]!.GetValue<string>());
        Assert.Equal($"https://causal-eval-dr.azurewebsites.net/api/instances/{id}/approve", started.Body["approvePostUri"]!.GetValue<string>());

        // The same id again, on either host: the same 409.
        request = functions.Request("POST", $"/api/orchestrators/DiagnosticStepChain?instanceId={id}", "{}");
        await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticStepChain", functions.Client)),
            await LocalAsync(HttpMethod.Post, $"/api/orchestrators/DiagnosticStepChain?instanceId={id}", "{}"), 409);

        await WaitAsync(id, running: true);
        await AssertStatusAlikeAsync(id, "", 202);
        await AssertStatusAlikeAsync(id, "?showHistory=true", 202);
        request = functions.Request("GET", "/api/instances?instanceIdPrefix=alike-");
        await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, functions.Functions.List(request, functions.Client)),
            await LocalAsync(HttpMethod.Get, "/api/instances?instanceIdPrefix=alike-"), 200);

        request = functions.Request("POST", $"/api/instances/{id}/approve", """{"by": "on-call", "reason": "drill window"}""");
        var approved = await FunctionsHttp.SendAsync(request, functions.Functions.Approve(request, id, functions.Client));
        Assert.Equal(202, approved.Status);
        await WaitAsync(id, running: false);
        var ended = await AssertStatusAlikeAsync(id, "", 200);
        Assert.Equal("approved", ended["output"]!["verdict"]!.GetValue<string>());
        Assert.Equal("on-call", ended["output"]!["by"]!.GetValue<string>());
        await AssertStatusAlikeAsync(id, "?showHistory=true", 200);

        // Ended: a decision on either host is the same 410.
        request = functions.Request("POST", $"/api/instances/{id}/reject", """{"by": "lead"}""");
        await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, functions.Functions.Reject(request, id, functions.Client)),
            await LocalAsync(HttpMethod.Post, $"/api/instances/{id}/reject", """{"by": "lead"}"""), 410);

        // A failed run: the same 400 with the same failure details.
        const string failing = "alike-failing";
        request = functions.Request("POST", $"/api/orchestrators/DiagnosticStepChain?instanceId={failing}", """{"steps": 2, "failAt": 2}""");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticStepChain", functions.Client))).Status);
        await WaitAsync(failing, running: false);
        var failed = await AssertStatusAlikeAsync(failing, "", 400);
        Assert.NotNull(failed["failureDetails"]!["errorMessage"]);

        // Run records (written as a run's last step) and the KPI report, read from the store by both.
        await WaitForRunRecordAsync(id);
        await WaitForRunRecordAsync(failing);
        request = functions.Request("GET", $"/api/runs/{id}");
        await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, functions.Functions.Run(request, id)),
            await LocalAsync(HttpMethod.Get, $"/api/runs/{id}"), 200);
        request = functions.Request("GET", "/api/runs?days=1");
        var runs = await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, functions.Functions.Runs(request)),
            await LocalAsync(HttpMethod.Get, "/api/runs?days=1"), 200);
        Assert.Equal(2, runs.AsArray().Count);
        request = functions.Request("GET", "/api/reports/kpis?days=1");
        var fromFunctions = await FunctionsHttp.SendAsync(request, functions.Functions.Kpis(request));
        var fromLocal = await LocalAsync(HttpMethod.Get, "/api/reports/kpis?days=1");
        Assert.Equal((200, 200), (fromFunctions.Status, fromLocal.Status));
        Assert.Equal(WithoutPeriod(fromLocal.Body!), WithoutPeriod(fromFunctions.Body!)); // "from" and "to" are each request's own clock
        Assert.Equal(2, fromFunctions.Body!["runs"]!.GetValue<int>());

        // The catalogue: every runbook with its policies, the same on both.
        request = functions.Request("GET", "/api/runbooks");
        var catalogue = await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, Task.FromResult(functions.Functions.Runbooks(request))),
            await LocalAsync(HttpMethod.Get, "/api/runbooks"), 200);
        Assert.Equal(RunbookRegistry.All.Select(r => r.Name), catalogue.AsArray().Select(r => r!["name"]!.GetValue<string>()));

        // Silences: bad ones refused alike, naming the problem; one added through the Functions app shows in `dr serve`'s list, and
        // `dr serve` ends it (an id that is a path reaches nothing).
        string[] refusedBodies =
        [
            """{"for": "01:00:00", "by": "a", "comment": "b"}""", """{"matchers": ["alertname"], "for": "01:00:00", "by": "a", "comment": "b"}""",
            """{"matchers": ["alertname=x"], "for": "40.00:00:00", "by": "a", "comment": "b"}""", """{"matchers": ["alertname=x"], "for": "01:00:00"}""",
        ];
        foreach (var bad in refusedBodies)
        {
            request = functions.Request("POST", "/api/alerts/silences", bad);
            var refused = await AssertAlikeAsync(await FunctionsHttp.SendAsync(request, functions.Functions.Silence(request)),
                await LocalAsync(HttpMethod.Post, "/api/alerts/silences", bad), 400);
            Assert.Matches("matchers|for|by and comment", refused["error"]!.GetValue<string>());
        }

        request = functions.Request("POST", "/api/alerts/silences",
            """{"matchers": ["alertname=backup_failure"], "for": "01:00:00", "by": "on-call", "comment": "storage maintenance"}""");
        var silenced = await FunctionsHttp.SendAsync(request, functions.Functions.Silence(request));
        Assert.Equal(201, silenced.Status);
        var silenceId = silenced.Body!["id"]!.GetValue<string>();
        var listed = (await LocalAsync(HttpMethod.Get, "/api/alerts")).Body!["silences"]!.AsArray().Single()!;
        Assert.Equal((silenceId, "on-call", "alertname=backup_failure"),
            (listed["id"]!.GetValue<string>(), listed["createdBy"]!.GetValue<string>(), listed["matchers"]![0]!.GetValue<string>()));
        Assert.Equal(404, (await LocalAsync(HttpMethod.Delete, "/api/alerts/silences/..%2Fstate")).Status);
        Assert.Equal(200, (await LocalAsync(HttpMethod.Delete, $"/api/alerts/silences/{silenceId}")).Status);
        request = functions.Request("GET", "/api/alerts");
        var unsilenced = (await FunctionsHttp.SendAsync(request, functions.Functions.Alerts(request))).Body!["silences"]![0]!;
        Assert.True(unsilenced["endsAt"]!.GetValue<DateTimeOffset>() <= DateTimeOffset.UtcNow);
    }

    private async Task<JsonNode> AssertStatusAlikeAsync(string id, string query, int status)
    {
        var request = functions.Request("GET", $"/api/instances/{id}{query}");
        var fromFunctions = await FunctionsHttp.SendAsync(request, functions.Functions.Status(request, id, functions.Client));
        await AssertAlikeAsync(fromFunctions, await LocalAsync(HttpMethod.Get, $"/runtime/webhooks/durabletask/instances/{id}{query}"), status);
        return await AssertAlikeAsync(fromFunctions, await LocalAsync(HttpMethod.Get, $"/api/instances/{id}{query}"), status);
    }

    private static Task<JsonNode> AssertAlikeAsync(FunctionsHttp.Answer fromFunctions, FunctionsHttp.Answer fromLocal, int status)
    {
        Assert.Equal((status, status), (fromFunctions.Status, fromLocal.Status));
        Assert.Equal(fromLocal.Text, fromFunctions.Text);
        return Task.FromResult(fromFunctions.Body!);
    }

    private async Task<FunctionsHttp.Answer> LocalAsync(HttpMethod method, string pathAndQuery, string? body = null)
    {
        using var message = new HttpRequestMessage(method, pathAndQuery);
        if (body is not null)
        {
            message.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await serve.Http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        return new FunctionsHttp.Answer((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }

    private async Task WaitAsync(string id, bool running)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await functions.Client.GetInstanceAsync(id)) is not { } instance
               || (running ? !instance.IsRunning || instance.SerializedCustomStatus is null : !instance.IsCompleted))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} did not become {(running ? "running at its gate" : "ended")} within 60 s");
            await Task.Delay(100);
        }
    }

    private async Task WaitForRunRecordAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await LocalAsync(HttpMethod.Get, $"/api/runs/{id}")).Status != 200)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no run record for {id} within 60 s");
            await Task.Delay(200);
        }
    }

    private static string WithoutPeriod(JsonNode report)
    {
        var copy = report.DeepClone().AsObject();
        copy.Remove("from");
        copy.Remove("to");
        return copy.ToJsonString();
    }
}
