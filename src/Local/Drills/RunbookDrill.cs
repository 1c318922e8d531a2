using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Cli;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Drills;

namespace CausalEval.Dr.Local.Drills;

/// <param name="Runbook">The drill's runbook (FailoverTest, BackupRestoreTest, FullDrSimulation).</param>
/// <param name="KeepLab">Leave a lab the drill started running afterwards.</param>
/// <param name="Topology">The lab topology file when the drill brings the lab up (default: config/lab.topology.json).</param>
/// <param name="Input">The drill's input as JSON (its stop conditions, rate …); null: the defaults.</param>
public sealed record RunbookDrillOptions(string Runbook, double TimeoutSeconds = 900, bool KeepLab = false, string? Topology = null, string? Input = null);

/// <summary>What `dr drill KIND` ran: the drill's instance, how it ended, and its stored report.</summary>
public sealed record DrillRun(string Instance, string RuntimeStatus, string? Error, DrillReport? Report, bool StartedLab)
{
    public bool Passed => RuntimeStatus == "Completed" && Report is { Passed: true };
}

/// <summary>
/// `dr drill failover|backup-restore|full` on the lab: brings the lab up (or uses the running one), gives it a base
/// backup when it has none (every drill's steady state wants one), runs a host with the health monitor and the prober,
/// starts the drill's runbook and follows it to its end, then reads its report from the store.
/// </summary>
public sealed class RunbookDrill(StateDirectory state, string? settingsFile, RunbookDrillOptions options, Action<string> progress)
{
    public Task<DrillRun> RunAsync(CancellationToken cancellationToken) =>
        LabDrill.WithLabAsync(state, options.Topology, options.KeepLab, progress, (_, startedLab) => DrillAsync(startedLab, cancellationToken),
            cancellationToken);

    private async Task<DrillRun> DrillAsync(bool startedLab, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(settingsFile, state);
        var store = configuration.OpenStore(state);
        await using var host = await HostConnection.OpenAsync(state, settingsFile, needsWorker: true, cancellationToken, monitor: true);
        if ((await new BackupCatalog(store).ListCompleteAsync(BackupKind.Database, cancellationToken)).Count == 0)
        {
            progress("no database backup yet: taking one (the drill's steady state needs it)");
            var backup = await RunToEndAsync(host.Client, nameof(BackupDatabase), "{}", cancellationToken);
            if (backup.Status != "Completed")
            {
                throw new StepFailedException($"the base backup before the drill ended {backup.Status}: {backup.Error}");
            }
        }

        if ((await new Adapters.FileStorage.FileBackupStore(store).ListPointsAsync(cancellationToken: cancellationToken)).Count == 0
            && TopologyValidator.Load(configuration).Regions.Values.Any(r => r.Files is not null))
        {
            progress("no file-storage point yet: taking one (a failover restores files from it)");
            var files = await RunToEndAsync(host.Client, nameof(Orchestrations.FileStorage.FileStorageBackup), "{}", cancellationToken);
            if (files.Status != "Completed")
            {
                throw new StepFailedException($"the file-storage backup before the drill ended {files.Status}: {files.Error}");
            }
        }

        await LabDrill.WaitMonitorHealthyAsync(host.Client, progress, cancellationToken);
        var input = JsonNode.Parse(options.Input ?? "{}") as JsonObject ?? throw new BadInputException("--input: not a JSON object");
        var run = await RunToEndAsync(host.Client, options.Runbook, input.ToJsonString(), cancellationToken);
        var report = await store.GetInfoAsync(DrillReport.JsonKey(run.Id), cancellationToken) is null ? null
            : await store.ReadJsonAsync<DrillReport>(DrillReport.JsonKey(run.Id), cancellationToken);
        return new DrillRun(run.Id, run.Status, run.Error, report, startedLab);
    }

    private async Task<(string Id, string Status, string? Error)> RunToEndAsync(ApiClient client, string runbook, string input,
        CancellationToken cancellationToken)
    {
        var started = await client.StartAsync(runbook, input, null);
        if (started.Status != HttpStatusCode.Accepted)
        {
            throw new SafetyCheckRefusedException($"{runbook} was not started: {started.Error}");
        }

        var id = started.Body!["id"]!.GetValue<string>();
        progress($"{runbook} {id} started");
        var deadline = DateTime.UtcNow.AddSeconds(options.TimeoutSeconds);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var reply = await client.StatusAsync(id, history: false);
            var line = InstanceWatcher.StepLine(reply.Body!, withElapsed: false);
            if (line != last)
            {
                progress($"{runbook}: {line}");
                last = line;
            }

            if (reply.Status != HttpStatusCode.Accepted)
            {
                return (id, reply.Body!["runtimeStatus"]!.GetValue<string>(), reply.Body["failureDetails"]?["errorMessage"]?.GetValue<string>());
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{runbook} {id} did not end within {options.TimeoutSeconds:0} s");
    }

    /// <summary>The report as people read it on a terminal.</summary>
    public static void Print(DrillRun run, TextWriter output)
    {
        output.WriteLine($"{run.Report?.Runbook ?? "drill"} {run.Instance}: {(run.Passed ? "PASSED" : "FAILED")} ({run.RuntimeStatus})" +
            (run.Error is null ? "" : $": {run.Error}"));
        if (run.Report is not { } r)
        {
            output.WriteLine("  no report was stored");
            return;
        }

        foreach (var o in r.Objectives)
        {
            output.WriteLine($"  {o.Name}: {(o.MeasuredSeconds is { } m ? $"{m:0.###} s" : "n/a")} (target {o.TargetSeconds:0} s) " +
                (o.Met ? "met" : "MISSED"));
        }

        if (r.Measured is { } x)
        {
            output.WriteLine($"  prober: {x.Attempts} writes, {x.Acknowledged} acknowledged, {x.Failed} failed, {x.Lost.Count} acknowledged lost, " +
                $"{x.Unverified} unverified");
            foreach (var d in x.Driven)
            {
                output.WriteLine($"  {d.Runbook} {d.Id}: {KebabCase.Of(d.Outcome)}, {(d.EndedAt - d.StartedAt).TotalSeconds:0.###} s, {d.Steps.Count} steps");
            }
        }

        foreach (var c in r.StopConditions.Where(c => c.Fired))
        {
            output.WriteLine($"  stop condition fired: {c.Name}: {c.Detail}");
        }

        foreach (var n in r.Notes ?? [])
        {
            output.WriteLine($"  {n}");
        }

        foreach (var d in r.Deviations)
        {
            output.WriteLine($"  deviation: {d}");
        }

        output.WriteLine($"  cleanup: {r.Cleanup}");
        output.WriteLine($"  report: {DrillReport.JsonKey(r.Drill)}, {DrillReport.HtmlKey(r.Drill)} (`dr drill report {r.Drill} --html FILE`)");
    }

    public static string Json(DrillRun run) => JsonSerializer.Serialize(run, DrJson.Indented);
}
