using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Backups;

/// <summary>
/// Metrics and logs backups take the files their glob patterns match, verify against their manifest, and
/// every run (including a failed one) is recorded, so `dr backup runs` reports a true success rate.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Metrics_and_logs_backup_test(AzuriteFixture azurite) : IDisposable
{
    private readonly string root = RepoPaths.NewTempDirectory("filesets");

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Metrics_and_logs_are_backed_up_by_pattern_and_a_failed_run_counts_in_the_success_rate()
    {
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(Path.Combine(data, "workload-a", "metrics"));
        Directory.CreateDirectory(Path.Combine(data, "postgres"));
        await File.WriteAllTextAsync(Path.Combine(data, "workload-a", "metrics", "2026-11-27.jsonl"), "{\"evaluationsAccepted\":3}\n");
        await File.WriteAllTextAsync(Path.Combine(data, "workload-a", "metrics", "2026-11-28.jsonl"), "{\"evaluationsAccepted\":5}\n");
        await File.WriteAllTextAsync(Path.Combine(data, "workload-a", "workload.log"), "started\n");
        await File.WriteAllTextAsync(Path.Combine(data, "postgres", "primary.log"), "ready\n");
        await File.WriteAllTextAsync(Path.Combine(data, "postgres", "not-a-log.conf"), "port = 5432\n");
        var environment = new DrEnvironment(azurite, "filesets", new DrSettings().LocalStore(Path.Combine(root, "store"))
            .FileSet("MetricsBackup", data, "**/metrics/*.jsonl").FileSet("LogsBackup", data, "**/*.log"));

        var metrics = await environment.RunCliAsync("backup", "run", "metrics", "--json");
        Assert.True(metrics.ExitCode == 0, metrics.Stdout + metrics.Stderr);
        Assert.Equal(2, metrics.Json["output"]!["snapshot"]!["fileCount"]!.GetValue<int>());
        var logs = await environment.RunCliAsync("backup", "run", "logs", "--json");
        Assert.True(logs.ExitCode == 0, logs.Stdout + logs.Stderr);
        Assert.Equal(2, logs.Json["output"]!["snapshot"]!["fileCount"]!.GetValue<int>()); // the two .log files, not the .conf

        var logsId = logs.Json["output"]!["backupId"]!.GetValue<string>();
        var verify = await environment.RunCliAsync("backup", "verify", logsId);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("2 files match the manifest", verify.Stdout);

        // A named file that does not exist fails the run before anything is stored; the run is recorded.
        environment.Variables[DrSettings.Variable("MetricsBackup:Paths:1")] = "no-such-file.jsonl";
        var failed = await environment.RunCliAsync("backup", "run", "metrics", "--json");
        Assert.Equal(3, failed.ExitCode); // a configuration problem: not retried, exit 3

        var runs = await environment.RunCliAsync("backup", "runs", "--json");
        Assert.True(runs.ExitCode == 0, runs.Stderr);
        var rates = runs.Json["successRates"]!.AsArray().ToDictionary(r => r!["kind"]!.GetValue<string>(), r
            => (r!["succeeded"]!.GetValue<int>(), r["runs"]!.GetValue<int>()));
        Assert.Equal((1, 2), rates["metrics"]);
        Assert.Equal((1, 1), rates["logs"]);
        var failure = runs.Json["runs"]!.AsArray().Single(r => !r!["succeeded"]!.GetValue<bool>())!;
        Assert.Contains("no-such-file.jsonl", failure["error"]!["message"]!.GetValue<string>());
        Assert.Equal("configuration", failure["error"]!["kind"]!.GetValue<string>());

        var list = await environment.RunCliAsync("backup", "list", "--json");
        Assert.Equal(2, list.Json.AsArray().Count(b => b!["status"]!.GetValue<string>() is "complete" or "verified")); // the failed run stored no backup

        // An unknown store: one line naming it, exit 3, nothing run.
        environment.Variables[DrSettings.Variable("Storage:Kind")] = "ftp";
        var unknownStore = await environment.RunCliAsync("backup", "list");
        Assert.Equal(3, unknownStore.ExitCode);
        Assert.Contains("Storage:Kind 'ftp' is not a store", unknownStore.Stderr);
        var unknownKind = await environment.RunCliAsync("backup", "run", "tapes");
        Assert.Equal(2, unknownKind.ExitCode);
        Assert.Contains("unknown backup kind 'tapes'", unknownKind.Stderr);
    }
}
