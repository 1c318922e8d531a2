namespace CausalEval.Dr.Core.Backups;

/// <summary>One file inside a backup archive, with the checksum of its bytes.</summary>
public sealed record ManifestEntry(string Path, long SizeBytes, string Sha256);

/// <summary>
/// One stored piece of an archive kept as several objects (<see cref="BackupManifest.Parts"/>): read in order, the
/// parts are the archive's bytes. Each is checked on its own against <paramref name="Sha256"/>.
/// </summary>
public sealed record ArchivePart(string Key, long SizeBytes, string Sha256)
{
    /// <summary>The SHA-256 of the parts' own SHA-256s, one per line in order: one checksum that names the whole list.</summary>
    public static string CombinedSha256(IEnumerable<ArchivePart> parts) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(string.Join('\n',
            parts.Select(p => p.Sha256)))));
}

/// <summary>
/// One independent zstd frame of an archive that is a sequence of them (an incremental's since issue #28), and the tar entries
/// it holds: a restore decompresses only the frames with entries it needs.
/// </summary>
/// <param name="Offset">Where the frame starts in the archive's compressed bytes (its parts read in order).</param>
/// <param name="Entries">The tar entries in the frame, in order; none for the archive's end-of-archive blocks.</param>
public sealed record ArchiveFrame(long Offset, long Length, IReadOnlyList<string> Entries);

/// <summary>
/// Describes one completed backup. It is written last, after the archive is stored (and checked by the store), so a
/// backup without a manifest is by definition incomplete and never listed as good.
/// </summary>
/// <param name="ArchiveKey">The archive's object; for an archive stored in <paramref name="Parts"/>, the name the parts' keys extend.</param>
/// <param name="ArchiveSha256">The object's SHA-256, or for parts <see cref="ArchivePart.CombinedSha256"/>.</param>
/// <param name="Parts">Set when the archive is stored as several objects (base backups since issue #10); null: one object.</param>
/// <param name="Frames">Set when the archive is a sequence of independent frames that together cover its bytes; null: one stream.</param>
public sealed record BackupManifest(
    string BackupId,
    BackupKind Kind,
    DateTimeOffset TakenAtUtc,
    string ArchiveKey,
    long ArchiveSizeBytes,
    string ArchiveSha256,
    string Compression,
    IReadOnlyList<ManifestEntry> Files,
    DatabaseBackupInfo? Database = null,
    IReadOnlyList<ArchivePart>? Parts = null,
    IReadOnlyList<ArchiveFrame>? Frames = null);

/// <summary>What a PostgreSQL base backup needs to be restored: its WAL range, where it came from, and its backup_manifest object.</summary>
/// <param name="ParentId">An incremental's parent (a full backup or an incremental): its archive holds only the files changed since then.</param>
/// <param name="FilesKey">An incremental's <see cref="DatabaseFileList"/>: every file of the data directory and which backup of the chain holds it.</param>
public sealed record DatabaseBackupInfo(
    string Source,
    string StartLsn,
    string StopLsn,
    int Timeline,
    DateTimeOffset CompletedAtUtc,
    double DurationSeconds,
    long UncompressedBytes,
    string? PgManifestKey = null,
    string? ParentId = null,
    string? FilesKey = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Incremental => ParentId is not null;

    /// <summary>"full" or "incremental", as the CLI and reports say it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Type => Incremental ? "incremental" : "full";
}
