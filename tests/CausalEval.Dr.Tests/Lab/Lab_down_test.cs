using CausalEval.Dr.Lab;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Lab;

[Collection(LabCollection.Name)]
public sealed class Lab_down_test
{
    [Fact]
    public async Task Down_leaves_no_lab_process_running_no_port_bound_and_no_lab_settings()
    {
        var lab = new LabFixture();
        await lab.InitializeAsync();
        var processes = lab.State.Processes.ToList();
        try
        {
            Assert.Equal(14, processes.Count); // dns, 2 postgres, 2 agents, 2 redis, azurite, s3, 2 file stores, 3 workloads
            Assert.True(File.Exists(Path.Combine(lab.LabDirectory, LabSettings.FileName)));

            var down = await lab.RunAsync("lab", "down");
            Assert.True(down.ExitCode == 0, down.Stderr);

            Assert.All(processes, p => Assert.False(DetachedProcess.IsAlive(p.Pid), $"{p.Name} (pid {p.Pid}) still runs"));
            Assert.All(processes.SelectMany(p => p.Ports.Select(port => (p.Name, p.Address, port))),
                x => Assert.False(Ports.IsListening(x.Address, x.port), $"{x.Name} still listens on {x.Address}:{x.port}"));
            Assert.Null(LabState.Load(lab.LabDirectory));
            Assert.False(File.Exists(Path.Combine(lab.LabDirectory, LabSettings.FileName)), "commands would still point at the stopped lab");
            Assert.All(processes.Where(p => p.Kind == "agent"),
                a => Assert.False(Directory.Exists(Adapters.Wal.WalSocket.FolderFor(Adapters.Wal.WalSocket.DefaultRoot, a.DataDirectory!)),
                    $"{a.Name} left its folder (WAL socket, spool)"));
        }
        finally
        {
            await lab.DisposeAsync(); // a failed assertion must not leave the lab running
        }
    }
}
