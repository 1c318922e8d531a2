using System.Diagnostics;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Compute;

/// <summary>
/// The lab's primary region runs two api instances. A rolling restart restarts them one at a time: each gets
/// a new process, and at every moment of the run one of them answers healthy. With the region's Redis stopped
/// (SIGSTOP) the first restarted instance never gets healthy: the run stops there, names it, and the second
/// instance keeps its process.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Rolling_restart_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Instances_restart_one_at_a_time_and_one_always_answers_healthy()
    {
        var before = Workloads();
        using var stop = new CancellationTokenSource();
        var fewestHealthy = SampleFewestHealthyAsync(before.Keys.ToList(), stop.Token);

        var run = await lab.RunAsync("run", "RollingRestart", "--json");
        await stop.CancelAsync();

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.True(await fewestHealthy >= 1, "both api instances were down at the same moment");
        var after = Workloads();
        Assert.All(before, b => Assert.NotEqual(b.Value, after[b.Key])); // each got a new process
        var id = run.Json["instanceId"]?.GetValue<string>() ?? run.Json["id"]!.GetValue<string>();
        var shown = await lab.RunAsync("runs", "show", id, "--json");
        Assert.Equal(["find instances", "restart api group 1 of 2", "health api group 1 of 2", "restart api group 2 of 2", "health api group 2 of 2"],
            shown.Json["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_instance_that_never_gets_healthy_stops_the_run_and_the_rest_keep_running()
    {
        var before = Workloads();
        var redis = lab.State.Find("redis-master")!.Pid;
        Signal("STOP", redis);
        try
        {
            var run = await lab.RunAsync("run", "RollingRestart", "--input", """{"healthTimeoutSeconds": 3}""", "--json");

            Assert.True(run.ExitCode == 6, run.Stdout + run.Stderr); // refused: stopped at the unhealthy instance
            var error = run.Json["failureDetails"]!["errorMessage"]!.GetValue<string>();
            Assert.Contains("rolling restart stopped at api group 1 of 2", error);
            Assert.Contains("1 more api instance(s)", error);
            var after = Workloads();
            var (first, second) = (before.Keys.Order().First(), before.Keys.Order().Last());
            Assert.NotEqual(before[first], after[first]);
            Assert.Equal(before[second], after[second]); // never taken down
        }
        finally
        {
            Signal("CONT", redis);
        }

        await WaitAllHealthyAsync(before.Keys.ToList());
    }

    /// <summary>The primary region's api instances: address → pid.</summary>
    private Dictionary<string, int> Workloads() =>
        LabState.Load(lab.LabDirectory)!.Processes.Where(p => p.Kind == "workload" && p.Region == "primary").ToDictionary(p => p.Address, p => p.Pid);

    private int Port => LabState.Load(lab.LabDirectory)!.Ports["workload"];

    private async Task<int> SampleFewestHealthyAsync(IReadOnlyList<string> addresses, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var fewest = addresses.Count;
        while (!stop.IsCancellationRequested)
        {
            var healthy = await Task.WhenAll(addresses.Select(a => HealthyAsync(http, a)));
            fewest = Math.Min(fewest, healthy.Count(h => h));
            await Task.Delay(50, CancellationToken.None);
        }

        return fewest;
    }

    private async Task WaitAllHealthyAsync(IReadOnlyList<string> addresses)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 150; i++)
        {
            var answers = await Task.WhenAll(addresses.Select(a => HealthyAsync(http, a)));
            if (answers.All(h => h))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the api instances did not get healthy again after Redis came back");
    }

    private async Task<bool> HealthyAsync(HttpClient http, string address)
    {
        try
        {
            using var response = await http.GetAsync($"http://{address}:{Port}/health");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
