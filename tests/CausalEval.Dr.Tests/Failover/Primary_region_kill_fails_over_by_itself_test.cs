using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// The main job, end to end (`dr drill failover`: the FailoverTest runbook): under the prober's writes the primary region
/// is lost; the monitor fails over by itself; the revived region comes back fenced; the drill fails back. The report's RTO
/// and lost writes are recomputed here from the prober's ledger in the store and from the database itself — with an
/// asynchronous standby, and with a synchronous one (which must lose nothing).
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Primary_region_kill_fails_over_by_itself_test
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Failover_test_measures_what_the_ledger_and_the_database_say_and_puts_the_roles_back(bool synchronous)
    {
        var state = RepoPaths.NewTempDirectory("drill");
        var labDirectory = Path.Combine(state, "lab");
        var topologyFile = Path.Combine(state, "lab.topology.json");
        await File.WriteAllTextAsync(topologyFile, (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "config", "lab.topology.json")))
            .Replace("\"synchronous\": false", $"\"synchronous\": {(synchronous ? "true" : "false")}", StringComparison.Ordinal));
        try
        {
            var drill = await LabFixture.RunDrAsync(state, "drill", "failover", "--json", "--rate", "20", "--keep-lab", "--topology", topologyFile);
            Assert.True(drill.ExitCode == 0, $"drill failed ({drill.ExitCode}):\n{drill.Stdout}\n{drill.Stderr}");
            var run = drill.Json;
            Assert.Equal("Completed", run["runtimeStatus"]!.GetValue<string>());
            var report = run["report"]!;
            Assert.True(report["passed"]!.GetValue<bool>());
            var failover = report["measured"]!["driven"]!.AsArray().Single(d => d!["runbook"]!.GetValue<string>() == "Failover")!;
            Assert.Equal("succeeded", failover["outcome"]!.GetValue<string>());
            Assert.Contains(report["measured"]!["driven"]!.AsArray(), d => d!["runbook"]!.GetValue<string>() == "Failback");
            Assert.All(report["stopConditions"]!.AsArray(), c => Assert.False(c!["fired"]!.GetValue<bool>()));
            // The primary's file store died with its region: the failover restored the newest point, whose age is the files RPO (15 min).
            var files = report["objectives"]!.AsArray().Single(o => o!["name"]!.GetValue<string>().StartsWith("RPO file storage", StringComparison.Ordinal))!;
            Assert.True(files["measuredSeconds"]!.GetValue<double>() is > 0 and <= 900, files.ToJsonString());

            // The monitor opened the incident as it failed over; the failover ticked "execute automated failover", its id the evidence.
            var incident = Assert.Single(report["incidents"]!.AsArray())!;
            Assert.Equal($"incident-{failover["id"]!.GetValue<string>()}", incident["id"]!.GetValue<string>());
            var ticked = Assert.Single(incident["ticks"]!.AsArray(), t => t!["item"]!.GetValue<string>() == "execute-failover")!;
            Assert.Equal(("Failover", failover["id"]!.GetValue<string>()), (ticked["by"]!.GetValue<string>(), ticked["evidence"]!.GetValue<string>()));

            // The independent count: the prober's ledger from the store, the ids from the serving database.
            var configuration = LocalConfiguration.Build(null, new StateDirectory(state));
            var ledger = await new ProbeStore(configuration.OpenStore(new StateDirectory(state))).ReadLedgerAsync(run["instance"]!.GetValue<string>());
            var injectedAt = report["injectedAt"]!.GetValue<DateTimeOffset>();
            var firstAck = ledger.Entries.Where(e => e.Ok && e.SentAt >= injectedAt).Min(e => e.At);
            Assert.Equal(Math.Round((firstAck - injectedAt).TotalSeconds, 3), report["measured"]!["rtoSeconds"]!.GetValue<double>(), 3);
            var acknowledged = ledger.Entries.Where(e => e.Ok).Select(e => e.Id!.Value).ToArray();
            Assert.Equal(acknowledged.Length, report["measured"]!["acknowledged"]!.GetValue<int>());
            var topology = TopologyValidator.Load(configuration);
            var primary = topology.FindNode("primary-db")!.Value.Node;
            await using var connection = new NpgsqlConnection(LabPostgres.ConnectionString(primary.Host, primary.Port, LabPostgres.Database,
                DatabaseOptions.From(configuration).Password));
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM evaluations WHERE id = ANY($1)", connection)
            {
                Parameters = { new() { Value = acknowledged } },
            };
            var present = (long)(await count.ExecuteScalarAsync())!;
            Assert.Equal(acknowledged.Length - present, report["measured"]!["lost"]!.AsArray().Count);
            Assert.True(acknowledged.Length > 100, $"too few writes acknowledged to prove anything: {acknowledged.Length}");
            if (synchronous)
            {
                Assert.Equal(acknowledged.Length, present); // every acknowledged commit was on the standby before the primary died
                Assert.Equal(0.0, report["measured"]!["lossWindowSeconds"]!.GetValue<double>());
            }

            // Roles as before: DNS answers the primary region again, and only primary-db takes writes.
            var lab = LabState.Load(labDirectory)!;
            var dns = lab.Find("dns")!;
            var answers = new AuthoritativeAnswer($"{dns.Address}:{dns.Ports[0]}");
            Assert.Equal(["127.0.1.1"], await answers.AddressesAsync($"db.{lab.Zone}"));
            Assert.All(await answers.AddressesAsync($"api.{lab.Zone}"), a => Assert.StartsWith("127.0.1.", a));
            await using var recovery = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
            Assert.False((bool)(await recovery.ExecuteScalarAsync())!);
            await using var standby = new NpgsqlCommand("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'secondary'", connection);
            Assert.Equal(synchronous ? "sync" : "async", (string?)await standby.ExecuteScalarAsync()); // the standby as the topology made it

            if (synchronous)
            {
                return; // the page and the lab's down/up are the same whatever the standby: checked once
            }

            // The report's page, rendered in headless Chromium: one bar per step (the drill's and the driven runbooks'), nothing fetched.
            var page = Path.Combine(state, "report.html");
            var html = await LabFixture.RunDrAsync(state, "drill", "report", run["instance"]!.GetValue<string>(), "--html", page);
            Assert.True(html.ExitCode == 0, html.Stderr);
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", await File.ReadAllTextAsync(page));
            var screenshot = HeadlessChromium.ScreenshotPath("failover-test-report.png");
            var dom = await HeadlessChromium.RenderAsync(page, screenshot);
            var steps = report["steps"]!.AsArray().Count + report["measured"]!["driven"]!.AsArray().Sum(d => d!["steps"]!.AsArray().Count);
            Assert.Equal(steps, System.Text.RegularExpressions.Regex.Count(dom, "<rect class=\"step\""));
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is empty");

            // The incident's page, rendered alike: a row per checklist item, a dot per tick (the failover's among them).
            var incidentPage = Path.Combine(state, "incident.html");
            var shown = await LabFixture.RunDrAsync(state, "incident", "show", incident["id"]!.GetValue<string>(), "--html", incidentPage);
            Assert.True(shown.ExitCode == 0, shown.Stderr);
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", await File.ReadAllTextAsync(incidentPage));
            var incidentDom = await HeadlessChromium.RenderAsync(incidentPage, HeadlessChromium.ScreenshotPath("failover-test-incident.png"));
            Assert.Equal(incident["items"]!.GetValue<int>(), System.Text.RegularExpressions.Regex.Count(incidentDom, "<rect class=\"item\""));
            Assert.Equal(incident["ticks"]!.AsArray().Count, System.Text.RegularExpressions.Regex.Count(incidentDom, "<circle "));
            Assert.Contains("done by Failover at", incidentDom);

            // Down after the drill: nothing left, and up works again.
            var processes = LabState.Load(labDirectory)!.Processes.ToList();
            var down = await LabFixture.RunDrAsync(state, "lab", "down");
            Assert.True(down.ExitCode == 0, down.Stderr);
            Assert.All(processes, p => Assert.False(DetachedProcess.IsAlive(p.Pid) && p.KilledAt is null, $"{p.Name} (pid {p.Pid}) still runs"));
            Assert.Null(LabState.Load(labDirectory));
            Assert.False(Directory.Exists(Path.Combine(labDirectory, "run")), "the lab's run folder (data, sockets) is left behind");
            var up = await LabFixture.RunDrAsync(state, "lab", "up");
            Assert.True(up.ExitCode == 0, up.Stderr);
        }
        finally
        {
            await LabFixture.RunDrAsync(state, "lab", "down");
        }
    }

    [Fact]
    public async Task Down_after_a_kill_leaves_no_process_and_no_state_and_up_works_again()
    {
        var lab = new LabFixture();
        await lab.InitializeAsync();
        try
        {
            var killed = await lab.RunAsync("lab", "kill", "primary");
            Assert.True(killed.ExitCode == 0, killed.Stderr);
            var processes = LabState.Load(lab.LabDirectory)!.Processes.ToList();
            Assert.All(processes.Where(p => p.Region == "primary"), p => Assert.NotNull(p.KilledAt));

            var down = await lab.RunAsync("lab", "down");
            Assert.True(down.ExitCode == 0, down.Stderr + down.Stdout);
            Assert.All(processes.Where(p => p.KilledAt is null), p => Assert.False(DetachedProcess.IsAlive(p.Pid), $"{p.Name} (pid {p.Pid}) still runs"));
            Assert.All(processes.SelectMany(p => p.Ports.Select(port => (p.Name, p.Address, port))),
                x => Assert.False(Ports.IsListening(x.Address, x.port), $"{x.Name} still listens on {x.Address}:{x.port}"));
            Assert.Null(LabState.Load(lab.LabDirectory));
            Assert.False(Directory.Exists(Path.Combine(lab.LabDirectory, "run")));

            var up = await lab.RunAsync("lab", "up");
            Assert.True(up.ExitCode == 0, up.Stderr);
        }
        finally
        {
            await lab.DisposeAsync();
        }
    }
}
