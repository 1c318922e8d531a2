using System.Text.Json.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// Secrets never go into orchestration inputs, outputs or statuses (the history is stored) nor into logs: after a
/// failover of the lab, every secret value its settings hold (agent tokens, the DNS API key, the local API token)
/// is looked for in the failover's whole history (each step's input and result), its status and output, its run
/// record, the control plane's log, every agent's log and what the CLI printed. None may appear.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class No_secret_reaches_history_status_or_logs_test
{
    [Fact]
    public async Task A_failovers_history_status_record_and_logs_hold_no_secret()
    {
        await using var lab = await FailoverLab.StartAsync(monitor: false);
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(lab.Lab.LabDirectory, "dr.settings.json")))!;
        var secrets = settings["Secrets"]!.AsObject().Select(s => (Name: $"Secrets:{s.Key}", Value: s.Value!.GetValue<string>())).ToList();
        secrets.Add(("the lab's DNS API key", lab.Lab.State.DnsApiKey));
        var apiToken = Path.Combine(lab.Lab.StateDirectory, "api-token");
        if (File.Exists(apiToken))
        {
            secrets.Add(("the local API token", (await File.ReadAllTextAsync(apiToken)).Trim()));
        }

        Assert.True(secrets.Count >= 3 && secrets.All(s => s.Value.Length >= 16),
            $"too few or too short secrets to prove anything: {string.Join(", ", secrets.Select(s => s.Name))}");

        Assert.True((await lab.Lab.RunAsync("lab", "kill", "primary")).ExitCode == 0);
        var failover = await lab.Environment.RunCliAsync("failover", "--approve", "--json");
        Assert.True(failover.ExitCode == 0, $"failover failed:\n{failover.Stdout}\n{failover.Stderr}");
        var id = failover.Json["instanceId"]!.GetValue<string>();

        var places = new Dictionary<string, string>
        {
            ["the failover's status, custom status and " +
                "history"] = await lab.Serve!.Http.GetStringAsync($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true"),
            ["the failover's run record"] = (await lab.Lab.RunAsync("runs", "show", id, "--json")).Stdout,
            ["what the CLI printed"] = failover.Stdout + failover.Stderr,
            ["the control plane's log"] = lab.Serve.Log,
        };
        foreach (var log in Directory.GetFiles(Path.Combine(lab.Lab.LabDirectory, "run"), "agent-*.log"))
        {
            places[Path.GetFileName(log)] = await File.ReadAllTextAsync(log);
        }

        Assert.Contains("\"input\"", places["the failover's status, custom status and history"]); // the steps' inputs are in what was scanned
        Assert.True(places["the failover's run record"].Length > 100, "no run record to scan");
        var leaks = (from place in places from secret in secrets where place.Value.Contains(secret.Value,
            StringComparison.Ordinal) select $"{secret.Name} in {place.Key}").ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }
}
