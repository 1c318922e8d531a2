using System.Net.Sockets;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Postgres;

/// <summary>
/// A connection that reaches PostgreSQL 15 during its fast shutdown and never sends its startup packet gets a backend
/// the postmaster never signals, and the postmaster waits for it (until authentication_timeout, a minute by default)
/// after the shutdown checkpoint. The stand-down's stop ends such backends once nothing else is left, so the server stops
/// cleanly and the silent client sees its connection closed. The shutdown is held open long enough to connect by an
/// archive_command that takes seconds on a segment switched just before.
/// </summary>
public sealed class Fast_shutdown_is_not_held_by_a_connection_that_never_speaks_test
{
    [Fact]
    public async Task The_server_stops_cleanly_and_the_silent_connection_is_closed()
    {
        await using var cluster = await PostgresCluster.StartAsync("silent-connection", archiveCommand: "sleep 2");
        await cluster.ExecuteAsync("INSERT INTO evaluations (client_id, payload) VALUES ('before-switch', '{}'); SELECT pg_switch_wal()");
        var pg = new PgCtl(LabPostgres.BinDirectory, cluster.DataDirectory);

        // Far below authentication_timeout: a stop held by the silent backend fails with a TimeoutException.
        var stopping = pg.StopQuicklyAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(300); // clients are cut; the archiver still runs its command, so the postmaster still accepts
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(cluster.Host, cluster.Port);

        await stopping;

        var control = await pg.ControlFileAsync();
        Assert.Equal("shut down", control["Database cluster state"]);
        // Closed by the backend that took it (end of stream), not reset by a listen socket that closed with it unserved.
        var received = await silent.ReceiveAsync(new byte[64], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, received);
    }
}
