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

    /// <summary>
    /// Whether <paramref name="pid"/> itself holds a listening socket on <paramref name="port"/> (Linux: the LISTEN
    /// entries of /proc/net/tcp and tcp6 matched to the process's open sockets). Elsewhere, or where /proc cannot
    /// tell, whether anything listens there.
    /// </summary>
    public static bool IsListeningBy(int pid, string address, int port)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/net/tcp"))
        {
            return IsListening(address, port);
        }

        var listening = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …"; 0A is LISTEN.
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == "0A" && fields[1].EndsWith($":{port:X4}", StringComparison.Ordinal))
                {
                    listening.Add($"socket:[{fields[9]}]");
                }
            }
        }

        try
        {
            return listening.Count > 0 && Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget is { } target && listening.Contains(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone, or not ours to look into
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
