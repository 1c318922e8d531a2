namespace CausalEval.Dr.Core.Backups;

/// <summary>
/// The heartbeat of a running backup, rewritten every few seconds while its activity is alive. A backup
/// with a heartbeat and no manifest is running while the heartbeat is fresh, and failed (interrupted) once
/// it goes stale; a rerun of the same backup id takes it over.
/// </summary>
public sealed record BackupProgressRecord(
    string BackupId,
    string Kind,
    string Source,
    DateTimeOffset StartedAtUtc,
    DateTimeOffset UpdatedAtUtc,
    long SentBytes,
    long TotalBytes,
    long StoredBytes);

/// <summary>What made a backup fail (written by the activity that failed).</summary>
public sealed record BackupFailureRecord(string BackupId, string Kind, DateTimeOffset FailedAtUtc, string Error);

public static class BackupStatus
{
    public const string Running = "running";
    public const string Complete = "complete";
    public const string Failed = "failed";
    public const string Verified = "verified";

    /// <summary>A heartbeat older than this means the process that wrote it is gone.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);
}

/// <summary>One backup as the catalog lists it, whatever its state.</summary>
public sealed record CatalogEntry(
    string BackupId,
    string Kind,
    string Status,
    BackupManifest? Manifest,
    BackupProgressRecord? Progress,
    string? Detail)
{
    public DateTimeOffset At => Manifest?.TakenAtUtc ?? Progress?.StartedAtUtc ?? DateTimeOffset.MinValue;
}
