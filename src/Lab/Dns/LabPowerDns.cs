using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Lab.Dns;

/// <summary>PowerDNS with its SQLite backend, serving the lab's zone on loopback, changed through its HTTP API.</summary>
public static class LabPowerDns
{
    private const string Schema = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql";

    /// <summary>Starts pdns_server; returns its PID once both DNS and the API listen.</summary>
    public static async Task<int> StartAsync(string directory, string address, int dnsPort, int apiPort, string apiKey)
    {
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "pdns.sqlite3");
        if (!File.Exists(Schema))
        {
            throw new FileNotFoundException($"PowerDNS's SQLite schema is missing ({Schema}): install pdns-backend-sqlite3 (scripts/install-prerequisites.sh does)");
        }

        await ProcessRunner.RunAsync("sqlite3", [database], stdin: await File.ReadAllTextAsync(Schema));
        var config = Path.Combine(directory, "pdns.conf");
        await File.WriteAllTextAsync(config, $"""
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
        var pid = DetachedProcess.Start("/usr/sbin/pdns_server", [$"--config-dir={directory}"], log, runAs);
        await DetachedProcess.WaitListeningAsync("PowerDNS API", pid, address, apiPort, log, TimeSpan.FromSeconds(30));
        return pid;
    }
}
