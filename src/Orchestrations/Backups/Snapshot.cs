using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>What every snapshot activity takes: the kind, the backup id (from the orchestration), its time.</summary>
public sealed record SnapshotInput(BackupKind Kind, string BackupId, DateTimeOffset TakenAtUtc);

/// <summary>
/// What every snapshot activity returns. <see cref="AlreadyExisted"/>: the backup was complete before this
/// attempt (an activity runs at least once), so nothing was taken again. <see cref="Counts"/> holds what a
/// kind counts besides files (sessions, queue entries), when this attempt took them.
/// </summary>
public sealed record SnapshotTaken(
    BackupKind Kind,
    string BackupId,
    string ArchiveKey,
    long ArchiveSizeBytes,
    int FileCount,
    bool AlreadyExisted,
    IReadOnlyDictionary<string, int>? Counts = null);
