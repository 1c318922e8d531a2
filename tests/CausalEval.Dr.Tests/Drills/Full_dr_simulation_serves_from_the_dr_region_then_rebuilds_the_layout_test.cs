using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Drills;

/// <summary>
/// FullDrSimulation on the lab (three regions, the third cold): both live regions are lost; the prober's writes are
/// acknowledged from the DR region; then the original layout is back: home serves and takes writes, the secondary streams
/// from it, DNS points home, the DR state names home, and the DR region is cold again.
/// </summary>
[Collection(LabCollection.Name)] // in the lab lane: the other lane (no lab, then the drills) is the longer one
public sealed class Full_dr_simulation_serves_from_the_dr_region_then_rebuilds_the_layout_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task The_service_answers_from_the_dr_region_then_the_original_layout_is_back()
    {
        Assert.DoesNotContain(LabState.Load(lab.LabDirectory)!.Processes, p => p.Region == "dr");
        await using var serve = DrEnvironment.ForLab(lab.StateDirectory).Serve();
        Assert.Equal("Completed", (await serve.WaitForEndAsync(await serve.StartAsync("BackupDatabase", new { }), TimeSpan.FromMinutes(2)))["runtimeStatus"]!
            .GetValue<string>());

        var id = await serve.StartAsync("FullDrSimulation", new { rate = 10 });
        var end = await serve.WaitForEndAsync(id, TimeSpan.FromMinutes(5));
        var report = (await serve.Http.GetFromJsonAsync<JsonNode>($"/api/drills/{id}/report"))!;
        Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", report.ToJsonString());
        Assert.True(report["passed"]!.GetValue<bool>());
        var recovered = report["measured"]!["driven"]!.AsArray().Single(d => d!["runbook"]!.GetValue<string>() == "RecoverRegion")!;
        Assert.Equal("succeeded", recovered["outcome"]!.GetValue<string>());

        // The drill's incident: the region recovery ticked "execute full recovery procedures", its run the evidence.
        var incident = Assert.Single(report["incidents"]!.AsArray())!;
        var ticked = Assert.Single(incident["ticks"]!.AsArray(), t => t!["item"]!.GetValue<string>() == "execute-full-recovery")!;
        Assert.Equal(("RecoverRegion", recovered["id"]!.GetValue<string>()), (ticked["by"]!.GetValue<string>(), ticked["evidence"]!.GetValue<string>()));

        // The prober's writes were acknowledged by the DR region while it served.
        var store = LocalConfiguration.Build(null, new StateDirectory(lab.StateDirectory)).OpenStore(new StateDirectory(lab.StateDirectory));
        var ledger = await new ProbeStore(store).ReadLedgerAsync(id);
        Assert.Contains(ledger.Acknowledged, e => e.Region == "dr");
        Assert.Contains(ledger.Acknowledged, e => e.Region == "primary" && e.SentAt > ledger.Acknowledged.Where(a => a.Region == "dr").Max(a => a.SentAt));

        // The original layout.
        var agents = lab.Agents();
        var home = await agents.For("primary-db").StatusAsync();
        var secondary = await agents.For("secondary-db").StatusAsync();
        Assert.True(home is { Writable: true, Fenced: false });
        Assert.True(secondary.Upstream?.Status == "streaming" && !secondary.Writable, $"secondary-db: {secondary.Role}, {secondary.Upstream?.Status}");
        var state = LabState.Load(lab.LabDirectory)!;
        var dns = state.Find("dns")!;
        var answers = new AuthoritativeAnswer($"{dns.Address}:{dns.Ports[0]}");
        Assert.Equal(["127.0.1.1"], await answers.AddressesAsync($"db.{state.Zone}"));
        Assert.All(await answers.AddressesAsync($"api.{state.Zone}"), a => Assert.StartsWith("127.0.1.", a));
        Assert.Equal("primary-db", (await new ServingPrimaryStore(store).ReadAsync())!.Node);
        Assert.DoesNotContain(state.Processes, p => p.Region == "dr");
    }
}
