using CausalEval.Dr.Functions.Http;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions.Http;

/// <summary>
/// A decision reaches a gate only through the decision checks, however it is sent: a raised Approve event
/// without who decides is refused by the API, and one raised past the API (Durable Functions' own webhooks, a
/// client of the task hub) is ignored by the gate itself. Behind App Service authentication the approver is the
/// signed-in principal: a request naming nobody is 401, one naming someone else 403.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Approvals_cannot_be_forged_test(AzuriteFixture azurite)
{
    private static async Task<string> StartAtGateAsync(FunctionsHttp functions, string id, IReadOnlyDictionary<string, string>? headers = null)
    {
        var request = functions.Request("POST", $"/api/orchestrators/DiagnosticApproval?instanceId={id}", """{"timeoutSeconds": 600}""", headers);
        Assert.Equal(202, (await FunctionsHttp.SendAsync(request, functions.Functions.Start(request, "DiagnosticApproval", functions.Client))).Status);
        await WaitAsync(functions, id, i => i.IsRunning && i.SerializedCustomStatus?.Contains("\"awaitingDecision\":true") == true);
        return id;
    }

    private static async Task<Microsoft.DurableTask.Client.OrchestrationMetadata> WaitAsync(FunctionsHttp functions, string id,
        Func<Microsoft.DurableTask.Client.OrchestrationMetadata, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await functions.Client.GetInstanceAsync(id, getInputsAndOutputs: true) is { } instance && condition(instance))
            {
                return instance;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{id} did not get there within 60 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_raised_approval_without_who_decides_never_passes_a_gate()
    {
        var environment = new DrEnvironment(azurite, "forged-approvals");
        await using var functions = new FunctionsHttp(environment);
        await functions.EnsureTaskHubAsync();
        await using var serve = environment.Serve();
        var id = await StartAtGateAsync(functions, "gate-forged");

        // Past the API, as the platform's own webhooks could: no one named, or no gate step named.
        await functions.Client.RaiseEventAsync(id, ApprovalEvents.Approve, new ApprovalDecision());
        await functions.Client.RaiseEventAsync(id, "approve", new ApprovalDecision(By: "mallory"));
        await functions.Client.RaiseEventAsync(id, ApprovalEvents.Approve, new ApprovalDecision(By: "mallory", Step: 7));
        await functions.Client.RaiseEventAsync(id, ApprovalEvents.Approve, null);
        // Through the API's raiseEvent route without who decides: refused before anything is raised.
        var unnamed = functions.Request("POST", $"/api/instances/{id}/raiseEvent/Approve", """{"reason": "trust me"}""");
        Assert.Equal(400, (await FunctionsHttp.SendAsync(unnamed, functions.Functions.Raise(unnamed, id, "Approve", functions.Client))).Status);

        // The gate took none of them: a decision through raiseEvent with who decides is the first it takes.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True((await functions.Client.GetInstanceAsync(id))!.IsRunning);
        var named = functions.Request("POST", $"/api/instances/{id}/raiseEvent/approve", """{"by": "on-call", "reason": "checked"}""");
        Assert.Equal(202, (await FunctionsHttp.SendAsync(named, functions.Functions.Raise(named, id, "approve", functions.Client))).Status);
        var ended = await WaitAsync(functions, id, i => i.IsCompleted);
        Assert.Contains("\"by\":\"on-call\"", ended.SerializedOutput);
        Assert.Contains("\"verdict\":\"approved\"", ended.SerializedOutput);
    }

    [Fact]
    public async Task Behind_app_service_authentication_the_approver_is_the_signed_in_principal()
    {
        var environment = new DrEnvironment(azurite, "principal-approvals", new Dictionary<string, string> { ["DR_WEBSITE_AUTH_ENABLED"] = "true" });
        await using var functions = new FunctionsHttp(environment);
        await functions.EnsureTaskHubAsync();
        await using var serve = environment.Serve();
        var alice = new Dictionary<string, string> { [AppServiceCallers.PrincipalHeader] = "alice@example.org" };
        var id = await StartAtGateAsync(functions, "gate-principal", alice);

        var anonymous = functions.Request("POST", $"/api/instances/{id}/approve", """{"by": "alice@example.org"}""");
        var noOne = await FunctionsHttp.SendAsync(anonymous, functions.Functions.Approve(anonymous, id, functions.Client));
        Assert.Equal(401, noOne.Status);
        var impersonating = functions.Request("POST", $"/api/instances/{id}/approve", """{"by": "bob@example.org"}""", alice);
        var someoneElse = await FunctionsHttp.SendAsync(impersonating, functions.Functions.Approve(impersonating, id, functions.Client));
        Assert.Equal((403, "by: 'bob@example.org' is not who signed in ('alice@example.org'): a decision is recorded as the authenticated caller's"),
            (someoneElse.Status, someoneElse.Body!["error"]!.GetValue<string>()));
        var preApproving = functions.Request("POST", "/api/orchestrators/Switchover", """{"preApproved": true, "approvedBy": "bob@example.org"}""", alice);
        Assert.Equal(403, (await FunctionsHttp.SendAsync(preApproving, functions.Functions.Start(preApproving, "Switchover", functions.Client))).Status);

        var signedIn = functions.Request("POST", $"/api/instances/{id}/approve", """{"reason": "checked"}""", alice);
        Assert.Equal(202, (await FunctionsHttp.SendAsync(signedIn, functions.Functions.Approve(signedIn, id, functions.Client))).Status);
        var ended = await WaitAsync(functions, id, i => i.IsCompleted);
        Assert.Contains("\"by\":\"alice@example.org\"", ended.SerializedOutput);
    }
}
