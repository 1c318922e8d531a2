using System.Text.Json.Nodes;
using CausalEval.Dr.Tests.Failover;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Playwright;

namespace CausalEval.Dr.Tests.Ui;

/// <summary>
/// A failover on the lab waits at its approval gate. In real headless Chromium: a reader sees its live page (the step it waits at,
/// the planned steps after it greyed) without decision forms, and a decision posted with the reader's own session and CSRF token is
/// refused (403); an operator rejects it from the page with a reason, the run ends not approved, and its record names the person.
/// A rejection changes nothing on the lab, so the test leaves it as it found it.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class An_operator_decides_at_a_waiting_gate_from_the_page_and_a_reader_cannot_test
{
    [Fact]
    public async Task A_reader_cannot_decide_and_an_operators_rejection_is_recorded_under_their_name()
    {
        await using var lab = await FailoverLab.StartAsync(monitor: false);
        var started = await lab.Lab.RunAsync("failover", "--no-wait", "--approval-timeout", "300");
        Assert.True(started.ExitCode == 0, started.Stderr);
        var id = started.Stdout.Trim();
        await WaitAtGateAsync(lab.Serve!, id);
        var baseUrl = lab.Serve!.Http.BaseAddress!.ToString().TrimEnd('/');
        var state = lab.Environment.StateDirectory;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = HeadlessChromium.Executable, Headless = true, Args = ["--no-sandbox", "--disable-background-networking"],
        });

        var reader = await SignInAsync(browser, baseUrl, "rui", await File.ReadAllTextAsync(Path.Combine(state, "ui-reader-token")));
        await reader.GotoAsync($"{baseUrl}/ui/instances/{id}");
        Assert.Equal("waiting", await reader.GetAttributeAsync("#planned li[data-step='approval']", "data-state"));
        Assert.True(await reader.Locator("#planned li[data-state='not-run']").CountAsync() > 0, "the steps after the gate are greyed");
        Assert.Equal(0, await reader.Locator("#decision, button#approve, button#reject").CountAsync());
        Assert.True(await reader.Locator("#awaiting").IsVisibleAsync());
        await reader.ScreenshotAsync(new() { Path = HeadlessChromium.ScreenshotPath("ui-gate-reader.png"), FullPage = true });

        // Forged from the reader's own session, CSRF token included: the role, not the form, refuses it.
        var csrf = await reader.GetAttributeAsync("input[name=csrf]", "value");
        var form = reader.Context.APIRequest.CreateFormData();
        form.Set("csrf", csrf!);
        form.Set("reason", "forged");
        form.Set("step", "1");
        var forged = await reader.Context.APIRequest.PostAsync($"{baseUrl}/ui/instances/{id}/approve",
            new() { Form = form, Headers = new Dictionary<string, string> { ["Origin"] = baseUrl } });
        Assert.Equal(403, forged.Status);
        Assert.Equal("Running", (await lab.Serve.StatusAsync(id))["runtimeStatus"]!.GetValue<string>());

        var operatorPage = await SignInAsync(browser, baseUrl, "ana", await File.ReadAllTextAsync(Path.Combine(state, "api-token")));
        await operatorPage.GotoAsync($"{baseUrl}/ui/instances/{id}");
        await operatorPage.ScreenshotAsync(new() { Path = HeadlessChromium.ScreenshotPath("ui-gate-operator.png"), FullPage = true });
        await operatorPage.Locator("form[action$='/reject'] input[name=reason]").FillAsync("drill of the dashboard, not an outage");
        await operatorPage.ClickAsync("button#reject");

        var end = await lab.Serve.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Failed", end["runtimeStatus"]!.GetValue<string>());
        Assert.Contains("not-approved", end.ToJsonString());
        var record = await lab.Serve.RunRecordAsync(id);
        var gate = record["steps"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "approval")!;
        Assert.Equal("rejected", gate["outcome"]!.GetValue<string>());
        Assert.Contains("ana", gate["detail"]!.GetValue<string>());
        Assert.Contains("drill of the dashboard", gate["detail"]!.GetValue<string>());
    }

    private static async Task<IPage> SignInAsync(IBrowser browser, string baseUrl, string name, string token)
    {
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        page.Request += (_, request) => Assert.Equal("127.0.0.1", new Uri(request.Url).Host);
        await page.GotoAsync($"{baseUrl}/ui/sign-in");
        await page.FillAsync("input[name=name]", name);
        await page.FillAsync("input[name=token]", token.Trim());
        await page.ClickAsync("button:has-text('Sign in')");
        await page.WaitForURLAsync($"{baseUrl}/ui/runs");
        return page;
    }

    private static async Task WaitAtGateAsync(ServeProcess serve, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode status;
        do
        {
            status = await serve.StatusAsync(id);
            if (status["customStatus"]?["awaitingDecision"]?.GetValue<bool>() == true)
            {
                return;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"{id} never waited at its gate: {status.ToJsonString()}");
    }
}
