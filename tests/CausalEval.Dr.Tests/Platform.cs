// The tests drive Linux processes (setpriv, PostgreSQL, PowerDNS): they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
