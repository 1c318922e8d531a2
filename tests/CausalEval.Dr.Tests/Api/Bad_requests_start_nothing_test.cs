using System.Net;
using System.Text;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Api;

/// <summary>A typo in a name or input gets a clear error, and no instance is created.</summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Bad_requests_start_nothing_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServeProcess host = null!;

    public Task InitializeAsync()
    {
        host = new DrEnvironment(azurite, "bad-input").Serve();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData("NoSuchOrchestration", "{}", HttpStatusCode.NotFound, "no orchestration named 'NoSuchOrchestration'")]
    [InlineData("DiagnosticStepChain", "{not json", HttpStatusCode.BadRequest, "the body is not JSON")]
    [InlineData("DiagnosticStepChain", """{"steps": "three"}""", HttpStatusCode.BadRequest, "$.steps")]
    [InlineData("DiagnosticStepChain", """{"steps": 2, "stepz": 1}""", HttpStatusCode.BadRequest, "stepz: not a field of DiagnosticStepChainInput")]
    [InlineData("BackupConfiguration", """{"keepCount": 0}""", HttpStatusCode.BadRequest, "keepCount: 0 is outside 1..10000")]
    [InlineData("BackupDatabase", """{"keepDays": 100000000}""", HttpStatusCode.BadRequest, "keepDays: 100000000 is outside (0, 36500]")]
    [InlineData("Failover", """{"trigger": "monitor"}""", HttpStatusCode.BadRequest, "trigger: set by the starter")]
    [InlineData("Failover", """{"detectedAt": "2026-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest, "detectedAt: set by the monitor")]
    [InlineData("BackupDatabase", """{"source": "tape"}""", HttpStatusCode.BadRequest, "source: 'tape' is not a backup source")]
    [InlineData("RestoreApplicationState", "", HttpStatusCode.BadRequest, "backupId is required")]
    [InlineData("RecoverDatabase", """{"target": "latest", "dataDirectory": "/srv/pitr", "replace": true}""", HttpStatusCode.BadRequest,
        "dataDirectory and replace: give one")]
    [InlineData("RecoverDatabase", """{"target": "latest", "replace": true, "preApproved": true}""", HttpStatusCode.BadRequest,
        "approvedBy: who approves is required")]
    [InlineData("RecoverDatabase", """{"target": "latest"}""", HttpStatusCode.BadRequest, "must be an absolute path on the node's host (or replace)")]
    public async Task Api_rejects_with_a_named_error_and_creates_no_instance(string name, string body, HttpStatusCode expected, string message)
    {
        var before = await host.CountInstancesAsync();
        using var response = await host.Http.PostAsync($"/api/orchestrators/{name}", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await host.CountInstancesAsync());
    }

    [Theory]
    [InlineData("NoSuchOrchestration", "{}", "no orchestration named")]
    [InlineData("DiagnosticStepChain", "{not json", "the body is not JSON")]
    [InlineData("BackupConfiguration", """{"trigger": "schedule"}""", "trigger: set by the starter")]
    public async Task Cli_exits_non_zero_with_the_error_and_creates_no_instance(string name, string input, string message)
    {
        var before = await host.CountInstancesAsync();
        var result = await host.Environment.RunCliAsync("run", name, "--input", input);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Equal(before, await host.CountInstancesAsync());
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_and_creates_no_instance()
    {
        var before = await host.CountInstancesAsync();
        // Expect: 100-continue: the host answers before the body is sent (else its 413 races the client still sending).
        using var response = await host.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/orchestrators/DiagnosticStepChain")
        {
            Content = new StringContent($$"""{"journal": "{{new string('x', (1 << 20) + 1)}}"}""", Encoding.UTF8, "application/json"),
            Headers = { ExpectContinue = true },
        });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await host.CountInstancesAsync());
    }

    [Fact]
    public async Task Requests_without_the_token_or_with_a_wrong_one_are_refused()
    {
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };
        using var response = await anonymous.PostAsync("/api/orchestrators/DiagnosticStepChain", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");
        using var wrong = await anonymous.GetAsync("/runtime/webhooks/durabletask/instances");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Events_for_unknown_instances_are_404()
    {
        using var response = await host.Http.PostAsync("/runtime/webhooks/durabletask/instances/nope/raiseEvent/Approval", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
