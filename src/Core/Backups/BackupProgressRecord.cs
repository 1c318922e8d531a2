using System.Text.Json.Serialization;

namespace CausalEval.Dr.Core.Backups;

/// <summary>
/// The heartbeat of a running backup, rewritten every few seconds while its activity is alive. A backup
/// with a heartbeat and no manifest is running while the heartbeat is fresh, and failed (interrupted) once
/// it goes stale; a rerun of the same backup id takes it over.
/// </summary>
public sealed record BackupProgressRecord(
    string BackupId,
    BackupKind Kind,
    string Source,
    DateTimeOffset StartedAtUtc,
    DateTimeOffset UpdatedAtUtc,
    long SentBytes,
    long TotalBytes,
    long StoredBytes)
{
    /// <summary>A heartbeat older than this means the process that wrote it is gone.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);
}

/// <summary>What made a backup fail (written by the activity that failed).</summary>
public sealed record BackupFailureRecord(string BackupId, BackupKind Kind, DateTimeOffset FailedAtUtc, string Error);

[JsonConverter(typeof(KebabCaseEnumConverter<BackupStatus>))]
public enum BackupStatus
{
    /// <summary>A fresh heartbeat and no manifest yet.</summary>
    Running,

    /// <summary>The manifest exists: everything it lists was stored, each transfer checked by the store.</summary>
    Complete,

    /// <summary>A failure mark, or a heartbeat gone stale: never restorable.</summary>
    Failed,

    /// <summary>Complete, and a later verify restored and checked it.</summary>
    Verified,

    /// <summary>Its manifest, heartbeat or failure mark could not be read: reported, never restored, never deleted by retention.</summary>
    Unreadable,
}

/// <summary>One backup as the catalog lists it, whatever its state.</summary>
/// <param name="LastWrittenUtc">The newest write to any of its objects (what dates an attempt that left no heartbeat).</param>
public sealed record CatalogEntry(
    string BackupId,
    BackupKind Kind,
    BackupStatus Status,
    BackupManifest? Manifest,
    BackupProgressRecord? Progress,
    string? Detail,
    DateTimeOffset? LastWrittenUtc = null)
{
    public DateTimeOffset At => Manifest?.TakenAtUtc ?? Progress?.StartedAtUtc ?? LastWrittenUtc ?? DateTimeOffset.MinValue;

    /// <summary>When this attempt last showed life: its heartbeat, else its newest object.</summary>
    public DateTimeOffset? LastActivityUtc => Progress?.UpdatedAtUtc ?? LastWrittenUtc;

    public string StatusName => KebabCase.Of(Status);
}
