using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// The main job, end to end (`dr drill failover`): under load, the primary region is killed; the monitor
/// fails over by itself; the revived region refuses writes; the lab then goes down clean and comes up again.
/// </summary>
[Collection(TimingSensitiveLabCollection.Name)]
public sealed class Primary_region_kill_fails_over_by_itself_test
{
    [Fact]
    public async Task Monitor_fails_over_the_killed_primary_and_the_revived_one_refuses_writes()
    {
        var state = RepoPaths.NewTempDirectory("drill");
        var labDirectory = Path.Combine(state, "lab");
        try
        {
            var drill = await LabFixture.RunDrAsync(state, "drill", "failover", "--json", "--rate", "20", "--keep-lab");
            Assert.True(drill.ExitCode == 0, $"drill failed ({drill.ExitCode}):\n{drill.Stdout}\n{drill.Stderr}");
            var report = drill.Json;
            Assert.Equal("succeeded", report["outcome"]!.GetValue<string>());
            Assert.True(report["clientOutage"]!["firstAckAfter"] is not null, "no write was acknowledged by the new region");
            Assert.Empty(report["missingFromQueue"]!.AsArray()); // every acknowledged evaluation of the new region is queued
            Assert.True(report["revived"]!["fenced"]!.GetValue<bool>());
            Assert.False(report["revived"]!["acceptsWrites"]!.GetValue<bool>());
            Assert.Equal(["secondary-db"], report["revived"]!["writable"]!.AsArray().Select(n => n!.GetValue<string>()));

            // DNS answers the secondary, and a write through api. is read back.
            var lab = LabState.Load(labDirectory)!;
            var dns = lab.Find("dns")!;
            var answers = new AuthoritativeAnswer($"{dns.Address}:{dns.Ports[0]}");
            Assert.Equal(["127.0.2.1"], await answers.AddressesAsync($"db.{lab.Zone}"));
            var api = await answers.AddressesAsync($"api.{lab.Zone}");
            Assert.NotEmpty(api);
            Assert.All(api, a => Assert.StartsWith("127.0.2.", a));
            using var http = new HttpClient();
            using var written = await http.PostAsJsonAsync($"http://{api[0]}:{lab.Ports["workload"]}/evaluations",
                new { clientId = "after-failover", payload = new { n = 1 } });
            Assert.Equal(System.Net.HttpStatusCode.Created, written.StatusCode);
            var id = (await written.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
            var back = await http.GetFromJsonAsync<JsonObject>($"http://{api[^1]}:{lab.Ports["workload"]}/evaluations/{id}");
            Assert.Equal("after-failover", back!["clientId"]!.GetValue<string>());
            Assert.True(back["queued"]!.GetValue<bool>());

            // Down after a kill and a revive: nothing left, and up works again.
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
