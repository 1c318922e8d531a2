namespace CausalEval.Dr.Core.Backups;

/// <summary>One file inside a backup archive, with the checksum of its bytes.</summary>
public sealed record ManifestEntry(string Path, long SizeBytes, string Sha256);

/// <summary>
/// Describes one completed backup. It is written last, after the archive is stored (and checked by the store), so a
/// backup without a manifest is by definition incomplete and never listed as good.
/// </summary>
public sealed record BackupManifest(
    string BackupId,
    BackupKind Kind,
    DateTimeOffset TakenAtUtc,
    string ArchiveKey,
    long ArchiveSizeBytes,
    string ArchiveSha256,
    string Compression,
    IReadOnlyList<ManifestEntry> Files,
    DatabaseBackupInfo? Database = null);

/// <summary>What a PostgreSQL base backup needs to be restored: its WAL range, where it came from, and its backup_manifest object.</summary>
public sealed record DatabaseBackupInfo(
    string Source,
    string StartLsn,
    string StopLsn,
    int Timeline,
    DateTimeOffset CompletedAtUtc,
    double DurationSeconds,
    long UncompressedBytes,
    string? PgManifestKey = null);
