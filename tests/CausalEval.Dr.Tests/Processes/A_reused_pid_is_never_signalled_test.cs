using System.Net;
using System.Net.Sockets;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Agent.Postgres;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Processes;

/// <summary>
/// A PID in a file proves nothing: after a reboot or a crash, the number in postmaster.pid, lab.json or serve.json may
/// be any process's. A fence used to SIGKILL (as root) whatever ran under postmaster.pid's PID and its descendants,
/// `/start` reported "running" without starting PostgreSQL, `dr lab down` signalled recorded PIDs, and the CLI sent the
/// API token to whatever listened on a dead `dr serve`'s port. Now a PID counts only while /proc shows the expected
/// program in the expected directory, or the very process recorded (its start time).
/// </summary>
public sealed class A_reused_pid_is_never_signalled_test : IDisposable
{
    private readonly List<int> strangers = [];

    [Fact]
    public async Task A_stale_postmaster_pid_naming_another_process_is_not_the_server_and_a_fence_leaves_it_alone()
    {
        var root = RepoPaths.NewTempDirectory("reused-pid");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        var stranger = Stranger(root);
        await File.WriteAllTextAsync(Path.Combine(data, "postmaster.pid"), $"{stranger}\n{data}\n");

        var pg = new PgCtl("/usr/lib/postgresql/15/bin", data);
        Assert.Null(pg.RunningPid());
        await pg.StopAsync("immediate");

        var node = new PostgresNode(TestAgents.Settings(root, data, new StorageOptions()), null!, NullLogger<PostgresNode>.Instance);
        var fenced = await node.FenceAsync(new FenceRequest("test", "A_reused_pid_is_never_signalled_test"));

        Assert.True(fenced.Fenced);
        Assert.False(fenced.Running);
        Assert.True(DetachedProcess.IsAlive(stranger), "the fence killed a process that only had the old postmaster's PID");
    }

    [Fact]
    public async Task Lab_down_never_signals_a_recorded_pid_that_is_now_another_process()
    {
        var lab = Path.Combine(RepoPaths.NewTempDirectory("reused-lab"), "lab");
        Directory.CreateDirectory(lab);
        var stranger = Stranger(lab);
        var recorded = ProcessIdentity.StartTicksOf(stranger)!.Value - 1; // what the lab recorded for the process that had this PID
        new LabState("z.test", "/none", DateTimeOffset.UtcNow, [], "key", null,
            [new LabProcess("redis-master", "redis", "primary", stranger, "127.0.1.1", [1], StartTicks: recorded)])
            .Save(lab);

        Assert.False(LabState.Load(lab)!.Processes.Single().MayBeAlive);
        await new LabController(lab, new DrCommand("dotnet", ["dr.dll"])).DownAsync();

        Assert.True(DetachedProcess.IsAlive(stranger), "lab down signalled a process that only had a recorded PID");
    }

    [Fact]
    public void A_dead_serves_port_is_not_the_running_host_even_when_something_listens_there()
    {
        var state = new StateDirectory(RepoPaths.NewTempDirectory("reused-serve"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var me = Environment.ProcessId;

        // This process listens on the port, but it is not the process serve.json recorded (another start time)...
        state.WriteServer(new StateDirectory.ServerInfo($"http://127.0.0.1:{port}", me, ProcessIdentity.StartTicksOf(me)! - 1));
        Assert.Null(state.RunningServer());
        // ...nor is a process that is the one recorded but does not listen on the recorded port.
        state.WriteServer(new StateDirectory.ServerInfo($"http://127.0.0.1:{port + 1}", me, ProcessIdentity.StartTicksOf(me)));
        Assert.Null(state.RunningServer());
        // The very process, listening where it said: that one is.
        state.WriteServer(new StateDirectory.ServerInfo($"http://127.0.0.1:{port}", me, ProcessIdentity.StartTicksOf(me)));
        Assert.NotNull(state.RunningServer());
    }

    public void Dispose()
    {
        foreach (var pid in strangers)
        {
            DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        }
    }

    /// <summary>Some process of somebody's that now has the number a file recorded.</summary>
    private int Stranger(string folder)
    {
        var pid = DetachedProcess.Start("sleep", ["300"], Path.Combine(folder, "stranger.log"));
        strangers.Add(pid);
        return pid;
    }
}
