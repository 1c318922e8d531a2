namespace CausalEval.Dr.Core.Backups;

/// <summary>One file of a data directory as a database backup saw it.</summary>
/// <param name="Path">Relative to the data directory, '/'-separated.</param>
/// <param name="ModifiedUtc">Its modification time when the backup listed it (a full backup's manifest says it to the second).</param>
/// <param name="Sha256">The SHA-256 of the bytes stored; null where the holding backup recorded another checksum (a full backup's CRC32C).</param>
/// <param name="StoredIn">The backup of the chain whose archive holds these bytes: this one, or an ancestor when the file did not change.</param>
/// <param name="Patches">The later backups of the chain, oldest first, whose archives hold page deltas of this file, applied in order over the
/// bytes <paramref name="StoredIn"/> holds; null when the file is stored whole. A patched file has no <paramref name="Sha256"/>: each stored
/// part is checked instead.</param>
public sealed record DatabaseFile(string Path, long Size, DateTimeOffset ModifiedUtc, string? Sha256, string StoredIn,
    IReadOnlyList<string>? Patches = null);

/// <summary>
/// Every file and directory of the data directory as of one backup, and for each file the backup that holds its bytes: restoring
/// a chain writes each file once, from the archive its entry names. Stored beside an incremental's archive; a full backup's is
/// derived from its backup_manifest.
/// </summary>
/// <param name="StartedAtUtc">When the backup began reading files: a file modified since may have been read mid-change, so the next
/// incremental checks its bytes, not only its size and time.</param>
/// <param name="SecondPrecision">Times to the second only (a full backup's manifest): a child compares its own times truncated.</param>
public sealed record DatabaseFileList(string BackupId, string? ParentId, DateTimeOffset StartedAtUtc, IReadOnlyList<string> Directories,
    IReadOnlyList<DatabaseFile> Files, bool SecondPrecision = false);
