namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>Which file-storage points stay: every point of the last <c>recent</c> span, the first point of each UTC day of the last
/// <c>daily</c> span, and always each region's newest (the state a restore would start from).</summary>
public static class FilePointRetention
{
    public static HashSet<string> Keep(IReadOnlyList<FilePoint> points, DateTimeOffset now, TimeSpan recent, TimeSpan daily)
    {
        var keep = points.Where(p => now - p.TakenAt <= recent).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var day in points.Where(p => now - p.TakenAt <= daily).GroupBy(p => (p.Region, p.TakenAt.UtcDateTime.Date)))
        {
            keep.Add(day.MinBy(p => p.TakenAt)!.Id);
        }

        foreach (var region in points.GroupBy(p => p.Region))
        {
            keep.Add(region.MaxBy(p => p.TakenAt)!.Id);
        }

        return keep;
    }
}
