using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Drills;

/// <summary>
/// A FailoverTest stopped by `dr drill abort`, or by each kind of stop condition, ends with the system as it was (or, when
/// a real failover stopped it, with that failover left alone): every
/// node's role, writability, fence and upstream; the public records' answers; the DR state; each region's running
/// workloads; no probe left running. The monitor here never fails over by itself (Monitor:AutomaticFailover false), so
/// each drill stays after its injection until it is stopped.
/// </summary>
public sealed class Failover_test_stopped_at_any_point_leaves_the_system_as_it_was_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Abort_and_every_stop_condition_undo_the_drill_field_by_field()
    {
        // The alert evaluator runs too: drills that all fail must reach a receiver as dr_test_failure.
        using var receiver = new FakeAlertReceiver();
        await using var serve = DrEnvironment.ForLab(lab.StateDirectory, new Dictionary<string, string>
        {
            ["DR_Monitor__AutomaticFailover"] = "false",
            ["DR_Alerts__Enabled"] = "true",
            ["DR_Alerts__EvaluateEverySeconds"] = "1",
            ["DR_Alerts__Receivers__hook__Kind"] = "webhook",
            ["DR_Alerts__Receivers__hook__Url"] = receiver.Url,
            ["DR_Alerts__Receivers__hook__Match__0"] = "alertname=dr_test_failure",
            ["DR_Alerts__Receivers__hook__GroupWaitSeconds"] = "0",
        }).Serve();
        var backup = await serve.WaitForEndAsync(await serve.StartAsync("BackupDatabase", new { }), TimeSpan.FromMinutes(2));
        Assert.Equal("Completed", backup["runtimeStatus"]!.GetValue<string>());
        var files = await serve.WaitForEndAsync(await serve.StartAsync("FileStorageBackup", new { }), TimeSpan.FromMinutes(2)); // the failover's files
        Assert.Equal("Completed", files["runtimeStatus"]!.GetValue<string>());
        var before = await SnapshotAsync();

        // 1. `dr drill abort` while the drill waits for a failover that never comes.
        var aborted = await serve.StartAsync("FailoverTest", new { rate = 10, baselineSeconds = 1 });
        await WaitForStepAsync(serve, aborted, "wait for the monitor's failover");
        var abort = await lab.RunAsync("drill", "abort", aborted, "--by", "tester", "--reason", "checking the undo");
        Assert.True(abort.ExitCode == 0, abort.Stderr);
        var report = await EndedReportAsync(serve, aborted);
        Assert.Contains("aborted by tester: checking the undo", report["error"]!.GetValue<string>());
        Assert.Contains("undo lose primary: succeeded", report["cleanup"]!.GetValue<string>());
        Assert.Equal(before, await SnapshotAsync());

        // 2. The recovery budget: no failover ended within it.
        var late = await serve.StartAsync("FailoverTest", new { rate = 10, baselineSeconds = 1, failoverBudgetSeconds = 3 });
        report = await EndedReportAsync(serve, late);
        Assert.Equal(["recovery budget"], Fired(report));
        Assert.Equal(before, await SnapshotAsync());

        // 3. The prober's error rate: every write fails once the region is gone.
        var failing = await serve.StartAsync("FailoverTest", new { rate = 10, baselineSeconds = 1, errorWindowSeconds = 1, maxErrorRate = 0.5 });
        report = await EndedReportAsync(serve, failing);
        Assert.Equal(["prober error rate"], Fired(report));
        Assert.True(report["measured"]!["failed"]!.GetValue<int>() > 0);
        Assert.Equal(before, await SnapshotAsync());

        // 4. The steady state before the injection: the standby's region is down, so nothing is injected.
        Assert.Equal(0, (await lab.RunAsync("lab", "kill", "secondary")).ExitCode);
        var refused = await serve.StartAsync("FailoverTest", new { rate = 10 });
        report = await EndedReportAsync(serve, refused);
        Assert.Equal(["steady state before the injection"], Fired(report));
        Assert.Null(report["injectedAt"]);
        Assert.Equal(0, (await lab.RunAsync("lab", "revive", "secondary")).ExitCode);
        await WaitStreamingAsync();
        Assert.Equal(before, await SnapshotAsync());

        // 5. A real failover during the drill: a person's switchover is refused while the drill runs, a failover is not (an
        // emergency waits for no drill); the drill stops, undoes only its own doing, and leaves the failover alone.
        var beside = await serve.StartAsync("FailoverTest", new { rate = 10, baselineSeconds = 120 });
        await WaitForStepAsync(serve, beside, "baseline");
        using (var switchover = await serve.Http.PostAsync("/api/orchestrators/Switchover",
                   JsonContent.Create(new { preApproved = true, approvedBy = "on-call" })))
        {
            Assert.Equal(System.Net.HttpStatusCode.Conflict, switchover.StatusCode);
            Assert.Contains(beside, await switchover.Content.ReadAsStringAsync());
        }

        var real = await serve.StartAsync("Failover", new { preApproved = true, approvedBy = "on-call" });
        var testFailure = (await receiver.FirstDeliveredAsync("dr_test_failure after four failed drills")).Body["alerts"]![0]!;
        Assert.StartsWith("0 of ", testFailure["annotations"]!["summary"]!.GetValue<string>());
        report = await EndedReportAsync(serve, beside);
        Assert.Equal(["a real failover"], Fired(report));
        Assert.Contains(real, report["error"]!.GetValue<string>());
        Assert.Null(report["injectedAt"]);
        Assert.Contains("stop prober: succeeded", report["cleanup"]!.GetValue<string>());
        Assert.DoesNotContain("fail back", report["cleanup"]!.GetValue<string>());
        Assert.Equal("Completed", (await serve.WaitForEndAsync(real, TimeSpan.FromMinutes(2)))["runtimeStatus"]!.GetValue<string>());
        var moved = await SnapshotAsync();
        Assert.Contains("serving: secondary-db", moved);
        Assert.Contains("probe active: False", moved);

        // Home again, by people's failback.
        var back = await serve.WaitForEndAsync(await serve.StartAsync("Failback", new { preApproved = true, approvedBy = "on-call" }),
            TimeSpan.FromMinutes(3));
        Assert.Equal("Completed", back["runtimeStatus"]!.GetValue<string>());
        await WaitStreamingAsync();
        Assert.Equal(before, await SnapshotAsync());
    }

    /// <summary>
    /// The control plane SIGKILLed in each phase of one drill (steady state, injection, waiting for the monitor, failback,
    /// report), and started again each time: the drill completes, and at no moment were two nodes writable.
    /// </summary>
    [Fact]
    public async Task Runtime_killed_in_every_phase_completes_and_never_leaves_two_writable_primaries()
    {
        // A shorter visibility timeout than the host's: the step a kill interrupted is picked up again soon after the restart. Not
        // 5 s: the engine renews a running step's lock every 5 s, so under load every longer step ran twice at once.
        var environment = DrEnvironment.ForLab(lab.StateDirectory, new Dictionary<string, string> { ["DR_Runtime__WorkItemVisibilityTimeoutSeconds"] = "15" });
        var serve = environment.Serve();
        using var watching = new CancellationTokenSource();
        var writableAtOnce = WatchWritablePrimariesAsync(watching.Token);
        try
        {
            var backup = await serve.WaitForEndAsync(await serve.StartAsync("BackupDatabase", new { }), TimeSpan.FromMinutes(2));
            Assert.Equal("Completed", backup["runtimeStatus"]!.GetValue<string>());
            var files = await serve.WaitForEndAsync(await serve.StartAsync("FileStorageBackup", new { }), TimeSpan.FromMinutes(2));
            Assert.Equal("Completed", files["runtimeStatus"]!.GetValue<string>());
            var before = await SnapshotAsync();
            var id = await serve.StartAsync("FailoverTest", new { rate = 10, baselineSeconds = 1 });
            string[][] phases =
            [
                ["plan", "steady state before", "start prober", "baseline"],
                ["lose primary"],
                ["wait for the monitor's failover"],
                ["fail back"],
                ["measure", "write report"],
            ];
            var killedIn = new List<string>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var phase = 0; phase < phases.Length; phase++)
            {
                var step = await WaitForPhaseAsync(serve, id, phases, phase);
                if (step is null)
                {
                    continue; // the drill went past this phase while the host restarted: nothing to kill in
                }

                serve.Kill();
                killedIn.Add($"{step} at {clock.Elapsed.TotalSeconds:F1}");
                await serve.DisposeAsync();
                serve = environment.Serve();
            }

            var end = await serve.WaitForEndAsync(id, TimeSpan.FromMinutes(4));
            Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", $"killed in [{string.Join(", ", killedIn)}]: {end}\n{serve.Log}");
            Assert.True(killedIn.Count >= 4, $"killed in only [{string.Join(", ", killedIn)}]");
            var report = (await serve.Http.GetFromJsonAsync<JsonNode>($"/api/drills/{id}/report"))!;
            Assert.True(report["passed"]!.GetValue<bool>(), report.ToJsonString());
            Assert.Equal(before, await SnapshotAsync());
        }
        finally
        {
            await watching.CancelAsync();
            await serve.DisposeAsync();
        }

        Assert.Equal(1, await writableAtOnce);
    }

    /// <summary>The most nodes writable at one moment, asked of their agents every 100 ms until cancelled.</summary>
    private async Task<int> WatchWritablePrimariesAsync(CancellationToken cancellationToken)
    {
        var agents = lab.Agents();
        var most = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var writable = 0;
            foreach (var node in new[] { "primary-db", "secondary-db" })
            {
                writable += (await TryStatus(agents, node))?.Writable == true ? 1 : 0;
            }

            most = Math.Max(most, writable);
            await Task.Delay(100, CancellationToken.None);
        }

        return most;
    }

    /// <summary>
    /// The step of phase <paramref name="phase"/> the drill is at, once it gets there; null when it is in a later phase (or ended):
    /// this one went by while the host restarted.
    /// </summary>
    private static async Task<string?> WaitForPhaseAsync(ServeProcess serve, string id, string[][] phases, int phase)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180); // a restarted host on a busy machine: its first work items wait their visibility timeout
        while (DateTime.UtcNow < deadline)
        {
            var status = await serve.StatusAsync(id);
            if (status["runtimeStatus"]?.GetValue<string>() is "Completed" or "Failed" or "Terminated")
            {
                return null;
            }

            var step = status["customStatus"]?["step"]?.GetValue<string>();
            var at = Array.FindIndex(phases, p => p.Contains(step));
            if (at == phase)
            {
                return step;
            }

            if (at > phase)
            {
                return null;
            }

            await Task.Delay(20);
        }

        // Where the drill stalled: every instance's state (the failover it waits for among them) and the host's last log lines, each
        // cut short (the storage SDK's stack traces otherwise fill the excerpt).
        var instances = JsonNode.Parse(await serve.Http.GetStringAsyncAllowingErrors("/runtime/webhooks/durabletask/instances?top=100"))!.AsArray()
            .Select(i => $"{i!["name"]} {i["instanceId"]} {i["runtimeStatus"]} {i["lastUpdatedTime"]} {i["customStatus"]?.ToJsonString()}");
        var lines = serve.Log.Split('\n').TakeLast(80).Select(l => l.Length > 300 ? l[..300] + "…" : l);
        throw new TimeoutException($"{id} never reached any of [{string.Join(", ", phases[phase])}]; instances:\n{string.Join("\n", instances)}\n" +
            $"the host's log ends:\n{string.Join("\n", lines)}");
    }

    private static IEnumerable<string> Fired(JsonNode report) =>
        report["stopConditions"]!.AsArray().Where(c => c!["fired"]!.GetValue<bool>()).Select(c => c!["name"]!.GetValue<string>());

    private static async Task WaitForStepAsync(ServeProcess serve, string id, string step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await serve.StatusAsync(id))["customStatus"]?["step"]?.GetValue<string>() != step)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never reached '{step}': {await serve.StatusAsync(id)}");
            await Task.Delay(100);
        }
    }

    /// <summary>The drill failed, and its report (from the API, as an operator reads it) says why.</summary>
    private static async Task<JsonNode> EndedReportAsync(ServeProcess serve, string id)
    {
        var status = await serve.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
        Assert.Equal("Failed", status["runtimeStatus"]!.GetValue<string>());
        var report = (await serve.Http.GetFromJsonAsync<JsonNode>($"/api/drills/{id}/report"))!;
        Assert.False(report["passed"]!.GetValue<bool>());
        return report;
    }

    private async Task WaitStreamingAsync()
    {
        var agents = lab.Agents();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!((await TryStatus(agents, "secondary-db"))?.Upstream is { Status: "streaming" }))
        {
            Assert.True(DateTime.UtcNow < deadline, "the revived standby does not stream");
            await Task.Delay(200);
        }
    }

    private static async Task<CausalEval.Dr.Core.Nodes.NodeStatus?> TryStatus(Adapters.Agents.NodeAgents agents, string node)
    {
        try
        {
            return await agents.For(node).StatusAsync();
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>What "as it was" means, as one comparable string per field.</summary>
    private async Task<string> SnapshotAsync()
    {
        var fields = new List<string>();
        var agents = lab.Agents();
        foreach (var node in new[] { "primary-db", "secondary-db" })
        {
            var s = await agents.For(node).StatusAsync();
            fields.Add($"{node}: {s.Role} writable={s.Writable} fenced={s.Fenced} upstream={s.Upstream?.Status ?? "none"}");
        }

        var state = LabState.Load(lab.LabDirectory)!;
        var dns = state.Find("dns")!;
        var answers = new AuthoritativeAnswer($"{dns.Address}:{dns.Ports[0]}");
        foreach (var record in new[] { "api", "db" })
        {
            fields.Add($"{record}.: {string.Join(",", await answers.AddressesAsync($"{record}.{state.Zone}"))}");
        }

        var configuration = LocalConfiguration.Build(null, new StateDirectory(lab.StateDirectory));
        var store = configuration.OpenStore(new StateDirectory(lab.StateDirectory));
        fields.Add($"serving: {(await new ServingPrimaryStore(store).ReadAsync())?.Node ?? "primary-db"}");
        fields.Add($"probe active: {(await new ProbeStore(store).RequestAsync())?.Active ?? false}");
        foreach (var region in new[] { "primary", "secondary" })
        {
            fields.Add($"{region} workloads: {state.Processes.Count(p => p.Region == region && p.Kind == "workload" && p.MayBeAlive)}");
        }

        return string.Join("\n", fields);
    }
}
