using System.Globalization;
using CausalEval.Dr.Core.Retention;

namespace CausalEval.Dr.Core.Recovery;

/// <summary>One switch in a timeline history file: <see cref="Timeline"/> ended at <see cref="SwitchLsn"/>, where its child began.</summary>
public sealed record TimelineSwitch(int Timeline, string SwitchLsn);

/// <summary>What the archive offers a recovery from one base backup: how far the unbroken chain of segments goes.</summary>
/// <param name="Timeline">The timeline recovery ends on (the newest in the archive: recovery_target_timeline = latest).</param>
/// <param name="LastSegment">The last segment of the unbroken chain.</param>
/// <param name="ArchivedUntilUtc">When that segment was stored: commits after it cannot be in the archive.</param>
/// <param name="Problem">Why this backup cannot reach the target, or null.</param>
public sealed record WalChainReach(int Timeline, string? LastSegment, DateTimeOffset? ArchivedUntilUtc, string? MissingSegment, string? Problem);

/// <summary>
/// Checks, from the archive's file names alone, that recovery from a base backup can reach a target: every
/// segment from the backup's start on is there, on the timeline recovery will follow at that point (the
/// newest timeline's history says where each ancestor ended), up to the target. Pure: the caller lists the store.
/// </summary>
public static class WalChain
{
    /// <param name="history">The newest timeline's history (empty on timeline 1): each ancestor and where it ended.</param>
    public static WalChainReach Check(IReadOnlyList<ArchivedWal> archive, IReadOnlyList<TimelineSwitch> history, int newestTimeline,
        int backupTimeline, string backupStartLsn, string backupStopLsn, RecoveryTarget target, long segmentBytes = WalRetention.DefaultSegmentBytes)
    {
        // The timeline path: (timeline, first segment on it). Timeline 1 starts at 0; each child at its parent's switch segment.
        var path = new List<(int Timeline, long From)> { (history.Count > 0 ? history[0].Timeline : newestTimeline, 0) };
        foreach (var (switched, index) in history.Select((h, i) => (h, i)))
        {
            path.Add((index + 1 < history.Count ? history[index + 1].Timeline : newestTimeline, WalRetention.SegmentOf(switched.SwitchLsn, segmentBytes)));
        }

        var start = WalRetention.SegmentOf(backupStartLsn, segmentBytes);
        var onPath = path.FindIndex(p => p.Timeline == backupTimeline);
        if (onPath < 0)
        {
            return new(newestTimeline, null, null, null,
                $"the backup is on timeline {backupTimeline}, which is not an ancestor of the archive's newest timeline {newestTimeline}");
        }

        if (onPath + 1 < path.Count && start >= path[onPath + 1].From)
        {
            return new(newestTimeline, null, null, null,
                $"the backup started on timeline {backupTimeline} after that timeline ended (at segment {path[onPath
                    + 1].From:X}): it belongs to another branch");
        }

        var present = archive.Where(w => !w.FileName.Contains('.', StringComparison.Ordinal)).ToDictionary(w => w.FileName, w => w.StoredAtUtc);
        string? last = null;
        DateTimeOffset? lastStored = null;
        var segment = start;
        string? missing = null;
        for (; ; segment++)
        {
            var timeline = path.Last(p => p.From <= segment).Timeline;
            var name = NameOf(timeline, segment, segmentBytes);
            if (!present.TryGetValue(name, out var stored))
            {
                missing = name;
                break;
            }

            (last, lastStored) = (name, stored);
        }

        var stop = WalRetention.SegmentOf(backupStopLsn, segmentBytes);
        var hole = present.Keys.Any(n => WalRetention.PositionOf(n, segmentBytes) > segment)
            ? $" while later segments are archived: the archive has a hole at {missing}" : "";
        if (segment <= stop)
        {
            return new(newestTimeline, last, lastStored, missing,
                $"the WAL chain is broken: {missing} is missing, and the backup needs every segment up to {NameOf(path.Last(p => p.From <= stop).Timeline,
                stop, segmentBytes)} to be consistent{hole}");
        }

        var problem = target.Kind switch
        {
            RecoveryTargetKind.Lsn when WalRetention.SegmentOf(target.Lsn!, segmentBytes) >= segment =>
                $"target {target} is past the end of the archive: the unbroken chain ends at {last} ({missing} is missing{hole})",
            RecoveryTargetKind.Time when lastStored < target.Time =>
                $"target {target} is past the end of the archive: its last segment {last} was stored at {lastStored:O} ({missing} is missing{hole})",
            RecoveryTargetKind.Latest when hole.Length > 0 =>
                $"the archive has a hole at {missing}: recovery would stop there and lose the commits archived after it",
            _ => null,
        };
        return new(newestTimeline, last, lastStored, missing, problem);
    }

    /// <summary>Parses a timeline history file (<c>00000002.history</c>): "parentTLI switchpoint reason" per line.</summary>
    public static IReadOnlyList<TimelineSwitch> ParseHistory(string text) =>
        text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 2 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(f => new TimelineSwitch(int.Parse(f[0], CultureInfo.InvariantCulture), f[1]))
            .ToList();

    /// <summary>The newest timeline the archive holds (a history file, or any segment's timeline).</summary>
    public static int NewestTimeline(IEnumerable<ArchivedWal> archive) =>
        archive.Select(w => w.FileName.Length >= 8 && int.TryParse(w.FileName.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var t)
            ? t : 0)
            .DefaultIfEmpty(1).Max();

    public static string NameOf(int timeline, long segment, long segmentBytes = WalRetention.DefaultSegmentBytes)
    {
        var perLog = 0x100000000L / segmentBytes;
        return $"{timeline:X8}{segment / perLog:X8}{segment % perLog:X8}";
    }
}
