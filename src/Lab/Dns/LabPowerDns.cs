using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Lab.Dns;

/// <summary>PowerDNS with its SQLite backend, serving the lab's zone on loopback, changed through its HTTP API.</summary>
public static class LabPowerDns
{
    private const string Schema = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql";

    /// <summary>
    /// Starts pdns_server; returns its PID and ports once both DNS and the API listen. The API binds port 0 (any
    /// free one; read back from the process's sockets). The DNS port cannot be 0 (PowerDNS refuses it): a picked
    /// one is bound, and a start that finds it taken (UDP or TCP) is retried on a fresh one.
    /// </summary>
    /// <param name="dnsPort">Nonzero: the topology pins it. <paramref name="apiPort"/> likewise.</param>
    public static async Task<(int Pid, int DnsPort, int ApiPort)> StartAsync(string directory, string address, int dnsPort, int apiPort, string apiKey)
    {
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "pdns.sqlite3");
        if (!File.Exists(Schema))
        {
            throw new FileNotFoundException($"PowerDNS's SQLite schema is missing ({Schema}): install pdns-backend-sqlite3 (scripts/install-prerequisites.sh " +
                $"does)");
        }

        File.Delete(database);
        await ProcessRunner.RunAsync("sqlite3", [database], stdin: await File.ReadAllTextAsync(Schema));
        return await Ports.OnFreePortAsync("PowerDNS", [address], port => StartOnAsync(directory, database, address, port, apiPort, apiKey), pinned: dnsPort);
    }

    private static async Task<(int Pid, int DnsPort, int ApiPort)> StartOnAsync(string directory, string database, string address, int dnsPort, int apiPort,
        string apiKey)
    {
        var config = Path.Combine(directory, "pdns.conf");
        // It holds the API key: readable by its owner alone from the moment it exists (then given to PowerDNS's user).
        OwnerOnly.WriteAllText(config, $"""
            launch=gsqlite3
            gsqlite3-database={database}
            local-address={address}
            local-port={dnsPort}
            daemon=no
            guardian=no
            socket-dir={directory}
            api=yes
            api-key={apiKey}
            webserver=yes
            webserver-address={address}
            webserver-port={apiPort}
            webserver-allow-from=127.0.0.0/8
            cache-ttl=0
            negquery-cache-ttl=0
            query-cache-ttl=0
            zone-cache-refresh-interval=0
            """);
        var runAs = DetachedProcess.IsRoot ? "pdns" : null;
        if (runAs is not null)
        {
            await ProcessRunner.RunAsync("chown", ["-R", "pdns:pdns", directory]);
        }

        var log = Path.Combine(directory, "pdns.log");
        File.Delete(log);
        var pid = DetachedProcess.Start("/usr/sbin/pdns_server", [$"--config-dir={directory}"], log, runAs);
        try
        {
            // The DNS sockets are bound before the web server: once the API listens, both are up (a taken DNS port ends it first).
            var bound = apiPort;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (bound == 0 || !Ports.IsListeningBy(pid, address, bound))
            {
                if (!DetachedProcess.IsAlive(pid))
                {
                    throw DetachedProcess.ExitedDuringStartUp("PowerDNS", log);
                }

                if (File.Exists(log) && File.ReadAllText(log).Contains("Listening on HTTP socket failed", StringComparison.Ordinal))
                {
                    throw new PortTakenException($"PowerDNS's API could not bind {address}:{apiPort}; its log ({log}) says: {DetachedProcess.Tail(log)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"PowerDNS's API did not listen within 30 s; see {log}");
                }

                await Task.Delay(25);
                bound = apiPort != 0 ? apiPort : Ports.ListeningPortsOf(pid, address).FirstOrDefault(p => p != dnsPort);
            }

            return (pid, dnsPort, bound);
        }
        catch
        {
            await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5));
            throw;
        }
    }
}
