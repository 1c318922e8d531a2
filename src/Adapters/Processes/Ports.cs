using System.Net;
using System.Net.Sockets;

namespace CausalEval.Dr.Adapters.Processes;

/// <summary>
/// Loopback ports: starting servers on them without races, and telling who listens. A server that can bind port 0
/// does (and the port it got is read back, <see cref="ListeningPortsOf"/>); one that cannot (PostgreSQL, Redis, a
/// DNS server's UDP+TCP port) is started on a picked port and started again on a fresh one when its bind fails
/// (<see cref="OnFreePortAsync{T}"/>): a port is never picked, released and trusted to be free later.
/// </summary>
public static class Ports
{
    /// <summary>How many fresh ports a start tries before it gives up.</summary>
    public const int Attempts = 5;

    /// <summary>
    /// Starts a server that cannot bind port 0: on a port free on every one of <paramref name="addresses"/> (servers of
    /// one kind share a port across regions) at the moment it is picked; when <paramref name="start"/> fails with
    /// <see cref="PortTakenException"/> (another process bound it meanwhile), again on a fresh port, at most
    /// <see cref="Attempts"/> times. <paramref name="start"/> must leave nothing running when it throws.
    /// </summary>
    /// <param name="pinned">A port the configuration fixes (nonzero): used as is, never changed.</param>
    public static async Task<T> OnFreePortAsync<T>(string what, IReadOnlyCollection<string> addresses, Func<int, Task<T>> start, int pinned = 0)
    {
        if (pinned != 0)
        {
            return await start(pinned);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(FreePort([.. addresses]));
            }
            catch (PortTakenException e) when (attempt < Attempts)
            {
                Console.Error.WriteLine($"{what}: {e.Message}; trying a fresh port ({attempt} of {Attempts})");
            }
        }
    }

    /// <summary><see cref="OnFreePortAsync{T}"/> for a listener started in this process (it binds at once).</summary>
    public static T OnFreePort<T>(string what, IReadOnlyCollection<string> addresses, Func<int, T> start) =>
        OnFreePortAsync(what, addresses, port => Task.FromResult(start(port))).GetAwaiter().GetResult();

    /// <summary>
    /// The TCP ports <paramref name="pid"/> itself listens on (on <paramref name="address"/>, or any), from the LISTEN
    /// sockets of /proc/net/tcp{,6} matched to the process's own descriptors: how the port of a server started on port 0
    /// is learnt when it does not print it.
    /// </summary>
    public static IReadOnlyList<int> ListeningPortsOf(int pid, string? address = null)
    {
        var owned = SocketsOf(pid);
        var ports = new List<int>();
        foreach (var (inode, local) in ListeningSockets())
        {
            if (owned.Contains(inode) && (address is null || local.Address.Equals(IPAddress.Parse(address)) || local.Address.Equals(IPAddress.Any)))
            {
                ports.Add(local.Port);
            }
        }

        return ports.Distinct().Order().ToList();
    }

    /// <summary>A port that is free on every one of <paramref name="addresses"/> now; only for <see cref="OnFreePortAsync{T}"/>, which retries when it is not
    /// by the time it is bound.</summary>
    private static int FreePort(params string[] addresses)
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

        var owned = SocketsOf(pid);
        return owned.Count > 0 && ListeningSockets().Any(s => s.Local.Port == port && owned.Contains(s.Inode));
    }

    /// <summary>The socket inodes among <paramref name="pid"/>'s open descriptors (none when it is gone or not ours to look into).</summary>
    private static HashSet<string> SocketsOf(int pid)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    sockets.Add(target[8..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or not ours to look into.
        }

        return sockets;
    }

    /// <summary>Every TCP LISTEN socket of the host: its inode and local endpoint.</summary>
    private static IEnumerable<(string Inode, IPEndPoint Local)> ListeningSockets()
    {
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …"; 0A is LISTEN.
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == "0A")
                {
                    yield return (fields[9], EndpointOf(fields[1]));
                }
            }
        }
    }

    /// <summary>"0100007F:1F90" (IPv4 in host byte order, port in hex) or a 32-digit IPv6 address.</summary>
    private static IPEndPoint EndpointOf(string hex)
    {
        var (address, port) = (hex[..hex.IndexOf(':')], Convert.ToInt32(hex[(hex.IndexOf(':') + 1)..], 16));
        var bytes = Convert.FromHexString(address);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4); // each 32-bit word is in host (little-endian) order
        }

        var ip = new IPAddress(bytes);
        return new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, port);
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
