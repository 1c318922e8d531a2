using System.Globalization;
using System.Text.Json.Nodes;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Playwright;

namespace CausalEval.Dr.Tests.Ui;

/// <summary>
/// The dashboard of a real `dr serve`, in real headless Chromium, after a real BackupConfiguration run: without a session every
/// page is the sign-in page and holds no run; a wrong token is refused; a reader signs in (the cookie HttpOnly and SameSite=Strict),
/// finds the run in the list and sees its page with one bar per recorded step in the record's order; an action without the form's
/// CSRF token is refused; the KPI page says what the KPI report's JSON says; no request leaves loopback. Screenshots go to TestResults/screenshots.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Dashboard_shows_nothing_before_sign_in_and_a_runs_steps_after_it_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string config = RepoPaths.NewTempDirectory("ui-config");
    private ServeProcess host = null!;

    public Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(config, "app.json"), """{"replicas": 3}""");
        File.WriteAllText(Path.Combine(config, "mode.env"), "MODE=dr\n");
        File.WriteAllText(Path.Combine(config, "routes.yaml"), "api: primary\n");
        host = new DrEnvironment(azurite, "ui", new DrSettings().FileSet("ConfigurationBackup", config, "app.json", "mode.env", "routes.yaml")).Serve();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(config, recursive: true);
    }

    [Fact]
    public async Task A_reader_signs_in_and_sees_the_run_step_by_step()
    {
        var id = await host.StartAsync("BackupConfiguration");
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(90));
        Assert.True(status["runtimeStatus"]!.GetValue<string>() == "Completed", status.ToJsonString());
        var record = await host.RunRecordAsync(id);
        var baseUrl = host.Http.BaseAddress!.ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = HeadlessChromium.Executable, Headless = true, Args = ["--no-sandbox", "--disable-background-networking"],
        });
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);

        // No session: the sign-in page, never data.
        await page.GotoAsync($"{baseUrl}/ui/runs/{id}");
        Assert.EndsWith("/ui/sign-in", page.Url);
        Assert.DoesNotContain(id, await page.ContentAsync());

        await page.FillAsync("input[name=name]", "ana");
        await page.FillAsync("input[name=token]", "not-the-token");
        var refused = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button:has-text('Sign in')"), r => r.Url.EndsWith("/ui/sign-in"));
        Assert.Equal(401, refused.Status);
        Assert.Contains("neither the API token nor the reader token", await page.ContentAsync());
        Assert.DoesNotContain(id, await page.ContentAsync());

        await page.FillAsync("input[name=name]", "ana");
        await page.FillAsync("input[name=token]", await File.ReadAllTextAsync(Path.Combine(host.Environment.StateDirectory, "ui-reader-token")));
        await page.ClickAsync("button:has-text('Sign in')");
        await page.WaitForURLAsync($"{baseUrl}/ui/runs");
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "dr-ui");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("reader", await page.GetAttributeAsync(".who", "data-role"));
        await page.ScreenshotAsync(new() { Path = HeadlessChromium.ScreenshotPath("ui-runs.png"), FullPage = true });

        await page.ClickAsync($"tr[data-run='{id}'] a");
        await page.WaitForURLAsync($"{baseUrl}/ui/runs/{id}");
        var bars = await page.Locator("svg.gantt g.step:not(.not-run)").EvaluateAllAsync<string[]>("gs => gs.map(g => g.dataset.step)");
        Assert.Equal(record["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()), bars);
        Assert.All(await page.Locator("svg.gantt g.step:not(.not-run)").EvaluateAllAsync<string[]>("gs => gs.map(g => g.dataset.outcome)"),
            o => Assert.Equal("succeeded", o));
        Assert.Equal("succeeded", await page.TextContentAsync("#outcome"));
        await page.ScreenshotAsync(new() { Path = HeadlessChromium.ScreenshotPath("ui-run.png"), FullPage = true });

        // The KPI page says what GET /api/reports/kpis (and `dr report --json`) says, KPI by KPI.
        await page.GotoAsync($"{baseUrl}/ui/kpis");
        var kpis = JsonNode.Parse(await host.Http.GetStringAsync("/api/reports/kpis"))!;
        var rows = await page.Locator("#kpis tr[data-kpi]").EvaluateAllAsync<Dictionary<string, string>[]>(
            "rows => rows.map(r => ({ kpi: r.dataset.kpi, value: r.dataset.value, target: r.dataset.target, " +
            "samples: r.dataset.samples, met: r.dataset.met }))");
        Assert.True(rows.Length >= 5, $"{rows.Length} KPI rows");
        foreach (var row in rows)
        {
            var kpi = kpis[row["kpi"]]!;
            Assert.Equal(kpi["value"]?.GetValue<double>(), row["value"] is { Length: > 0 } v ? double.Parse(v, CultureInfo.InvariantCulture) : null);
            Assert.Equal(kpi["target"]!.GetValue<double>(), double.Parse(row["target"], CultureInfo.InvariantCulture));
            Assert.Equal(kpi["samples"]!.GetValue<int>(), int.Parse(row["samples"], CultureInfo.InvariantCulture));
            Assert.Equal(kpi["met"]!.GetValue<int>(), int.Parse(row["met"], CultureInfo.InvariantCulture));
        }

        Assert.Equal(1, kpis["backupSuccessRate"]!["samples"]!.GetValue<int>()); // the configuration backup above
        await page.ScreenshotAsync(new() { Path = HeadlessChromium.ScreenshotPath("ui-kpis.png"), FullPage = true });

        // An action sent with the session's cookie but without its form's CSRF token (what another site could forge) is refused.
        var forged = await context.APIRequest.PostAsync($"{baseUrl}/ui/sign-out", new() { Form = context.APIRequest.CreateFormData() });
        Assert.Equal(403, forged.Status);
        await page.ReloadAsync();
        Assert.Equal("reader", await page.GetAttributeAsync(".who", "data-role")); // still signed in

        Assert.NotEmpty(requests);
        Assert.All(requests, url => Assert.Equal("127.0.0.1", new Uri(url).Host));
    }
}
