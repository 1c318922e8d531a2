using System.Text;

namespace CausalEval.Dr.Core.Runs;

/// <summary>
/// Where run records live in the object store: one object per run under its UTC end date and runbook,
/// <c>runs/{yyyy}/{MM}/{dd}/{runbook}/{HHmmssfff}-{instance}.json</c>, so listing a period (or one runbook's
/// runs of it) reads only that period's prefixes; and a pointer per instance, <c>runs/instances/{instance}.json</c>,
/// so a run is found by its id alone.
/// </summary>
public static class RunRecordKeys
{
    public const string Prefix = "runs/";
    public const string PointerPrefix = "runs/instances/";

    /// <summary>When the records were last pruned (see <see cref="DaysToPrune"/>).</summary>
    public const string PruneMarkerKey = "runs/pruned.json";

    public static string DayPrefix(DateOnly day) => $"{Prefix}{day:yyyy}/{day:MM}/{day:dd}/";

    public static string DayPrefix(DateOnly day, string runbook) => $"{DayPrefix(day)}{runbook}/";

    public static string KeyOf(RunRecord run) =>
        $"{DayPrefix(DayOf(run.EndedAt), run.Runbook)}{run.EndedAt.UtcDateTime:HHmmssfff}-{Escape(run.InstanceId)}.json";

    public static string PointerKey(string instanceId) => $"{PointerPrefix}{Escape(instanceId)}.json";

    public static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>Every UTC day from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public static IEnumerable<DateOnly> Days(DateTimeOffset from, DateTimeOffset to)
    {
        for (var day = DayOf(from); day <= DayOf(to); day = day.AddDays(1))
        {
            yield return day;
        }
    }

    /// <summary>
    /// The days whose records retention removes now: those older than <paramref name="keep"/>, after the last
    /// day already pruned. With no marker yet nothing older can exist (records began with this format).
    /// </summary>
    public static IReadOnlyList<DateOnly> DaysToPrune(DateOnly? prunedThrough, DateOnly today, TimeSpan keep)
    {
        var last = today.AddDays(-(int)Math.Ceiling(keep.TotalDays) - 1);
        var first = prunedThrough?.AddDays(1) ?? last;
        var days = new List<DateOnly>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            days.Add(day);
        }

        return days;
    }

    /// <summary>Instance ids are the caller's; only letters, digits, '-', '_' and '.' go into keys as they are.</summary>
    private static string Escape(string id)
    {
        var builder = new StringBuilder(id.Length);
        foreach (var c in id)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            {
                builder.Append(c);
            }
            else
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    builder.Append('%').Append(b.ToString("X2"));
                }
            }
        }

        return builder.ToString();
    }
}
