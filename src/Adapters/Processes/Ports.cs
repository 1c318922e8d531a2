using System.Net;
using System.Net.Sockets;

namespace CausalEval.Dr.Adapters.Processes;

/// <summary>Loopback ports: finding free ones, and telling whether something listens.</summary>
public static class Ports
{
    /// <summary>A port that is free on every one of <paramref name="addresses"/> (services of one kind share a port across regions).</summary>
    public static int FreePort(params string[] addresses)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            if (addresses.All(a => CanBind(a, port)))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no port free on all of {string.Join(", ", addresses)}");
    }

    public static bool CanBind(string address, int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Parse(address), port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static bool IsListening(string address, int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
