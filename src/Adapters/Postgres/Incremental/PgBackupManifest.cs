using System.Globalization;
using System.Text.Json;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>
/// A full backup's file list from its backup_manifest (pg_basebackup's: path, size, Last-Modified to the second, CRC32C): the
/// parent an incremental compares against. Directories are not in it: a chain's directories come from its newest incremental.
/// </summary>
public static class PgBackupManifest
{
    public static DatabaseFileList Read(byte[] manifest, string backupId, DateTimeOffset startedAtUtc)
    {
        using var document = JsonDocument.Parse(manifest);
        var files = new List<DatabaseFile>();
        foreach (var file in document.RootElement.GetProperty("Files").EnumerateArray())
        {
            if (!file.TryGetProperty("Path", out var path))
            {
                continue; // an Encoded-Path (not UTF-8): never one of PostgreSQL's own names
            }

            var modified = DateTimeOffset.ParseExact(file.GetProperty("Last-Modified").GetString()!.Replace(" GMT", "", StringComparison.Ordinal),
                "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var sha = file.TryGetProperty("Checksum-Algorithm", out var algorithm) && algorithm.GetString() == "SHA256"
                ? file.GetProperty("Checksum").GetString() : null;
            files.Add(new DatabaseFile(path.GetString()!, file.GetProperty("Size").GetInt64(), modified, sha, backupId));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new DatabaseFileList(backupId, null, startedAtUtc, [], files, SecondPrecision: true);
    }
}
