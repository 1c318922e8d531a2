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
        var directory = RepoPaths.NewTempDirectory("azurite-held");
        var azurite = new ManagedAzurite(directory);

        // Blob and queue on port 0 (Azurite binds them itself), the table port pinned to one another process holds.
        var error = await Assert.ThrowsAsync<PortTakenException>(() => azurite.EnsureRunningAsync(0, 0, table));

        Assert.Contains("Azurite exited during start-up", error.Message);
        Assert.Contains("EADDRINUSE", error.Message); // its log's last lines say why
        Assert.Null(azurite.Running());
        Assert.Empty(ProcessesNaming(directory)); // a half-started Azurite holds no port: nothing of it runs
    }

    [Fact]
    public async Task Servers_that_can_bind_port_0_do_and_say_the_port_they_got()
    {
        var azurite = new ManagedAzurite(RepoPaths.NewTempDirectory("azurite-zero"));
        var endpoints = await azurite.EnsureRunningAsync();
        try
        {
            Assert.Equal(3, new[] { endpoints.BlobPort, endpoints.QueuePort, endpoints.TablePort }.Distinct().Count(p => p > 0));
            Assert.All(new[] { endpoints.BlobPort, endpoints.QueuePort, endpoints.TablePort }, p
                => Assert.True(Ports.IsListeningBy(endpoints.Pid, "127.0.0.1", p)));
            Assert.Equal(new[] { endpoints.BlobPort, endpoints.QueuePort, endpoints.TablePort }.Order(), Ports.ListeningPortsOf(endpoints.Pid, "127.0.0.1"));
        }
        finally
        {
            await azurite.StopAsync();
        }
    }

    [Fact]
    public async Task A_server_that_cannot_bind_port_0_is_started_again_on_a_fresh_port_when_its_port_is_taken()
    {
        var directory = RepoPaths.NewTempDirectory("redis-held");
        using var someoneElse = new TcpListener(IPAddress.Loopback, 0);
        someoneElse.Start();
        var held = ((IPEndPoint)someoneElse.LocalEndpoint).Port;
        var tried = new List<int>();

        // The first "pick" is the held port (as if another process took it between the pick and the bind).
        var (pid, port) = await Ports.OnFreePortAsync<(int, int)>("Redis", ["127.0.0.1"], async candidate =>
        {
            var port = tried.Count == 0 ? held : candidate;
            tried.Add(port);
            return (await CausalEval.Dr.Lab.Redis.LabRedis.StartAsync(Path.Combine(directory, $"r{tried.Count}"), "127.0.0.1", port), port);
        });
        try
        {
            Assert.Equal(2, tried.Count);
            Assert.Equal(held, tried[0]);
            Assert.NotEqual(held, port);
            Assert.True(Ports.IsListeningBy(pid, "127.0.0.1", port));
        }
        finally
        {
            await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5));
        }
    }

    private static List<int> ProcessesNaming(string text) =>
        Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsAsciiDigit)).Select(int.Parse)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains(text, StringComparison.Ordinal) && DetachedProcess.IsAlive(pid);
                }
                catch (IOException)
                {
                    return false;
                }
            }).ToList();
}
