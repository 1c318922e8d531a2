using System.Security.Cryptography;
using System.Text;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>How every backup runbook names the backup it takes.</summary>
public static class BackupIds
{
    /// <summary>Sortable by time, unique per instance, and the same on every replay (orchestration time and id only).</summary>
    public static string For(DateTime utc, string instanceId) =>
        $"{utc:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(instanceId)))[..8]}";
}
