using System.Globalization;

namespace CausalEval.Dr.Core.Retention;

/// <summary>An archived WAL file as the store lists it: a segment, a .partial, a .backup label or a .history file.</summary>
public sealed record ArchivedWal(string FileName, DateTimeOffset StoredAtUtc);

/// <summary>A retained base backup, as far as WAL retention is concerned.</summary>
public sealed record RetainedBackup(DateTimeOffset TakenAtUtc, string StartLsn, string StopLsn);

/// <summary>
/// Which archived WAL may go. Point-in-time recovery to any moment of the window needs the newest backup
/// taken before the window opens and every segment from its start onwards; each retained backup also needs
/// its own start..stop range. Everything below the earliest of those, and older than the window, may go.
/// Timeline history files are always kept (tiny, and recovery across a promotion needs them); with no
/// retained backup nothing is deleted: the archive would be all there is.
/// </summary>
public static class WalRetention
{
    public const long DefaultSegmentBytes = 16L * 1024 * 1024;

    public static IReadOnlyList<ArchivedWal> SelectForDeletion(IReadOnlyList<ArchivedWal> archive, IReadOnlyList<RetainedBackup> backups,
        DateTimeOffset nowUtc, TimeSpan window, long segmentBytes = DefaultSegmentBytes)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentException($"WAL retention window {window} must be positive");
        }

        if (backups.Count == 0)
        {
            return [];
        }

        var windowStart = nowUtc - window;
        var anchor = backups.Where(b => b.TakenAtUtc <= windowStart).MaxBy(b => b.TakenAtUtc) ?? backups.MinBy(b => b.TakenAtUtc)!;
        var floor = SegmentOf(anchor.StartLsn, segmentBytes);
        var ranges = backups.Select(b => (From: SegmentOf(b.StartLsn, segmentBytes), To: SegmentOf(b.StopLsn, segmentBytes))).ToList();

        return archive
            .Where(w => !w.FileName.EndsWith(".history", StringComparison.Ordinal) && w.StoredAtUtc < windowStart)
            .Where(w => PositionOf(w.FileName, segmentBytes) is { } position && position < floor && !ranges.Any(r => position >= r.From && position <= r.To))
            .ToList();
    }

    /// <summary>The segment number holding an LSN such as "0/9E000100".</summary>
    public static long SegmentOf(string lsn, long segmentBytes = DefaultSegmentBytes)
    {
        var parts = lsn.Split('/');
        if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.HexNumber, null, out var high)
            || !uint.TryParse(parts[1], NumberStyles.HexNumber, null, out var low))
        {
            throw new FormatException($"'{lsn}' is not an LSN (like 0/9E000100)");
        }

        return (long)(((ulong)high << 32 | low) / (ulong)segmentBytes);
    }

    /// <summary>
    /// The segment number of a WAL file name (TTTTTTTT LLLLLLLL SSSSSSSS, hex, with any suffix), whatever its
    /// timeline; null for names that are not WAL (history files, strangers).
    /// </summary>
    public static long? PositionOf(string fileName, long segmentBytes = DefaultSegmentBytes)
    {
        if (fileName.Length < 24 || !ulong.TryParse(fileName.AsSpan(8, 8), NumberStyles.HexNumber, null, out var log)
            || !ulong.TryParse(fileName.AsSpan(16, 8), NumberStyles.HexNumber, null, out var segment)
            || !uint.TryParse(fileName.AsSpan(0, 8), NumberStyles.HexNumber, null, out _))
        {
            return null;
        }

        return (long)(log * (0x100000000UL / (ulong)segmentBytes) + segment);
    }
}
