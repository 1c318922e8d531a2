using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// Runs the real `dr` program (dr.dll) as a child process against the shared Azurite, with its own state
/// directory, task hub and settings. `Serve` keeps one running; `RunCliAsync` runs one command.
/// </summary>
public sealed class DrEnvironment
{
    public DrEnvironment(AzuriteFixture azurite, string name, IDictionary<string, string>? settings = null)
    {
        StateDirectory = RepoPaths.NewTempDirectory(name);
        JournalDirectory = Path.Combine(StateDirectory, "journals");
        Variables = new Dictionary<string, string>
        {
            ["DR_STATE_DIR"] = StateDirectory,
            ["DR_AzureWebJobsStorage"] = azurite.ConnectionString,
            ["DR_Storage__ConnectionString"] = azurite.ConnectionString,
            ["DR_Storage__Container"] = ("b" + Guid.NewGuid().ToString("N"))[..24],
            ["DR_Runtime__TaskHubName"] = ("t" + Guid.NewGuid().ToString("N"))[..20],
            ["DR_Runtime__WorkerId"] = "test-" + name,
            ["DR_Diagnostics__JournalDirectory"] = JournalDirectory,
            // A test's `dr serve` starts nothing by the clock unless the test is about schedules (a run started at
            // 10:30:00 once landed between a test's two counts of instances).
            ["DR_Schedules__Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            Variables[key] = value;
        }
    }

    private DrEnvironment(string stateDirectory, Dictionary<string, string> variables)
    {
        StateDirectory = stateDirectory;
        JournalDirectory = Path.Combine(stateDirectory, "journals");
        Variables = variables;
    }

    /// <summary>A `dr` of a lab's state directory: the lab's own settings (task hub on its Azurite, its store), plus <paramref name="settings"/>.</summary>
    public static DrEnvironment ForLab(string stateDirectory, IDictionary<string, string>? settings = null)
    {
        var variables = new Dictionary<string,
            string> { ["DR_STATE_DIR"] = stateDirectory, ["DR_Runtime__WorkerId"] = "test-lab", ["DR_Schedules__Enabled"] = "false" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return new DrEnvironment(stateDirectory, variables);
    }

    public string StateDirectory { get; }

    public string JournalDirectory { get; }

    public Dictionary<string, string> Variables { get; }

    public string ContainerName => Variables["DR_Storage__Container"];

    public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
    {
        public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("no JSON on stdout: " + Stderr);
    }

    public Task<CliResult> RunCliAsync(params string[] args) => RunToEndAsync(StartInfo(args));

    public ServeProcess Serve() => new(this);

    internal ProcessStartInfo StartInfo(IEnumerable<string> args) => DrStartInfo(args, Variables);

    /// <summary>`dotnet dr.dll ARGS` with extra environment variables, output captured.</summary>
    internal static ProcessStartInfo DrStartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.DrDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Runs one `dr` command to its end (5 minutes at most: a drill brings a lab up and moves the service twice, slowly on a
    /// loaded machine) and returns what it printed.</summary>
    internal static async Task<CliResult> RunToEndAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A command that hangs must not outlive its test (it may hold a lab, a port, the task hub).
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"dr {string.Join(' ',
                info.ArgumentList.Skip(1))} did not end within 5 minutes and was killed:\n{await stderr}\n{await stdout}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A running `dr serve`; <see cref="Kill"/> sends SIGKILL, as a crash would.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    public ServeProcess(DrEnvironment environment)
    {
        Environment = environment;
        var serverFile = Path.Combine(environment.StateDirectory, "serve.json");
        File.Delete(serverFile);
        process = Process.Start(environment.StartInfo(["serve", "--port", "0"]))!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? url;
        while ((url = ReadUrl(serverFile)) is null)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var exited = process.HasExited;
                if (!exited)
                {
                    process.Kill(entireProcessTree: true); // never leave a half-started host behind
                    process.WaitForExit();
                }

                throw new InvalidOperationException($"dr serve did not come up (exited: {exited}):\n{Log}");
            }

            Thread.Sleep(100);
        }

        var token = File.ReadAllText(Path.Combine(environment.StateDirectory, "api-token")).Trim();
        Http = new HttpClient { BaseAddress = new Uri(url), DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
    }

    public DrEnvironment Environment { get; }

    public HttpClient Http { get; }

    /// <summary>The server's URL once serve.json is there and whole (it may be caught mid-write).</summary>
    private static string? ReadUrl(string serverFile)
    {
        try
        {
            return File.Exists(serverFile) ? JsonNode.Parse(File.ReadAllText(serverFile))?["Url"]?.GetValue<string>() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public int Pid => process.Id;

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public async Task<string> StartAsync(string orchestration, object? input = null, string? instanceId = null)
    {
        var path = $"/api/orchestrators/{orchestration}" + (instanceId is null ? "" : $"?instanceId={instanceId}");
        using var response = await Http.PostAsync(path,
            new StringContent(input is null ? "" : JsonSerializer.Serialize(input), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"start {orchestration}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> StatusAsync(string instanceId, bool history = false)
    {
        var body = await Http.GetStringAsyncAllowingErrors($"/runtime/webhooks/durabletask/instances/{instanceId}" + (history ? "?showHistory=true" : ""));
        return JsonNode.Parse(body)!;
    }

    /// <summary>The run's record, which is written as the run ends (its final status can come first).</summary>
    public async Task<JsonNode> RunRecordAsync(string instanceId)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await Http.GetAsync($"/api/runs/{instanceId}");
            if (response.IsSuccessStatusCode)
            {
                return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            }

            Assert.True(attempt < 100, $"no run record for {instanceId}: {(int)response.StatusCode}");
            await Task.Delay(200);
        }
    }

    /// <summary>Polls until the instance reaches a final status; fails the test with the host's log on timeout.</summary>
    public async Task<JsonNode> WaitForEndAsync(string instanceId, TimeSpan timeout, bool history = false)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var status = await StatusAsync(instanceId, history);
            if (status["runtimeStatus"]?.GetValue<string>() is "Completed" or "Failed" or "Terminated")
            {
                return status;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{instanceId} did not finish in {timeout}. Host log:\n{Log}");
    }

    /// <summary>
    /// Every instance on the task hub (a test's `dr serve` runs no schedules: nothing appears by the clock between two counts).
    /// </summary>
    public async Task<int> CountInstancesAsync() =>
        JsonNode.Parse(await Http.GetStringAsync("/runtime/webhooks/durabletask/instances?top=1000"))!.AsArray().Count;

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }
}

internal static class HttpClientExtensions
{
    public static async Task<string> GetStringAsyncAllowingErrors(this HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return await response.Content.ReadAsStringAsync();
    }
}
