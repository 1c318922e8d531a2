namespace CausalEval.Dr.Adapters.Processes;

/// <summary>A server that could not bind its port because another process holds it: worth another try on a fresh port.</summary>
public sealed class PortTakenException(string message) : InvalidOperationException(message)
{
    /// <summary>
    /// Whether a server's log says its bind failed on a taken address: PostgreSQL, Redis, PowerDNS ("Address already
    /// in use"), Node.js servers (EADDRINUSE), Kestrel ("address already in use").
    /// </summary>
    public static bool Says(string log) =>
        log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase) || log.Contains("EADDRINUSE", StringComparison.Ordinal);
}
