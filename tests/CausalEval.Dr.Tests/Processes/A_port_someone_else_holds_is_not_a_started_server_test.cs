using System.Net;
using System.Net.Sockets;
using CausalEval.Dr.Adapters.Azurite;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Processes;

/// <summary>
/// A port found free can be taken by another process before the server started on it binds it. Waiting for "something
/// listens there" then called a dead server started: a lab's Azurite that lost its table port to another listener
/// exited, `dr lab up` said it was up, and every later command met "connection refused" on its blob port. Now only
/// the started process's own listening socket counts, and such an Azurite is a start-up failure naming its log.
/// </summary>
public sealed class A_port_someone_else_holds_is_not_a_started_server_test
{
    [Fact]
    public async Task A_process_that_never_listens_is_not_taken_for_the_listener_on_its_port()
    {
        using var someoneElse = new TcpListener(IPAddress.Loopback, 0);
        someoneElse.Start();
        var port = ((IPEndPoint)someoneElse.LocalEndpoint).Port;
        var directory = RepoPaths.NewTempDirectory("port-held");
        var log = Path.Combine(directory, "sleeper.log");
        var sleeper = DetachedProcess.Start("sleep", ["30"], log);
        try
        {
            Assert.True(Ports.IsListening("127.0.0.1", port));
            Assert.False(Ports.IsListeningBy(sleeper, "127.0.0.1", port));

            await Assert.ThrowsAsync<TimeoutException>(() =>
                DetachedProcess.WaitListeningAsync("sleeper", sleeper, "127.0.0.1", port, log, TimeSpan.FromSeconds(1)));
        }
        finally
        {
            await DetachedProcess.StopAsync(sleeper, TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task An_Azurite_whose_table_port_another_process_holds_fails_to_start_and_leaves_nothing_running()
    {
        using var someoneElse = new TcpListener(IPAddress.Loopback, 0);
        someoneElse.Start();
        var table = ((IPEndPoint)someoneElse.LocalEndpoint).Port;
        var (blob, queue) = (Ports.FreePort("127.0.0.1"), Ports.FreePort("127.0.0.1"));
        var azurite = new ManagedAzurite(RepoPaths.NewTempDirectory("azurite-held"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => azurite.EnsureRunningAsync(blob, queue, table));

        Assert.Contains("Azurite exited during start-up", error.Message);
        Assert.Contains("EADDRINUSE", error.Message); // its log's last lines say why
        Assert.Null(azurite.Running());
        Assert.False(Ports.IsListening("127.0.0.1", blob), "a half-started Azurite still holds its blob port");
    }
}
