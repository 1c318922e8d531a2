namespace CausalEval.Dr.Core.Retention;

/// <summary>
/// How many backups of one kind to keep: the newest <see cref="KeepCount"/>, or those younger than
/// <see cref="KeepFor"/>. Either way the newest complete backup is never deleted, so retention can
/// never leave a kind with nothing to restore from.
/// </summary>
public sealed record RetentionPolicy(int? KeepCount = null, TimeSpan? KeepFor = null)
{
    public static RetentionPolicy Count(int keep) => new(KeepCount: keep);

    public static RetentionPolicy Age(TimeSpan keepFor) => new(KeepFor: keepFor);

    /// <summary>"keep 14" or "keep 30 days": how run outcomes and reports name the policy.</summary>
    public string Describe() => KeepCount is { } count ? $"keep {count}" : $"keep {KeepFor?.TotalDays:0.##} days";

    public void EnsureValid()
    {
        if (KeepCount is null == KeepFor is null)
        {
            throw new ArgumentException("retention: set exactly one of keepCount or keepFor");
        }

        if (KeepCount is < 1)
        {
            throw new ArgumentException($"retention.keepCount: {KeepCount} must be at least 1");
        }

        if (KeepFor is { } age && age <= TimeSpan.Zero)
        {
            throw new ArgumentException($"retention.keepFor: {age} must be positive");
        }
    }

    /// <summary>
    /// Picks the backups to delete. Incomplete backups are never picked here: they are not this policy's to
    /// judge. The newest backup, and the newest one <paramref name="isVerified"/> accepts, always survive:
    /// a restore needs a backup that is known good, not only a recent one.
    /// </summary>
    public IReadOnlyList<T> SelectForDeletion<T>(IEnumerable<T> complete, Func<T, DateTimeOffset> takenAt, DateTimeOffset now, Func<T, bool>? isVerified = null)
    {
        EnsureValid();
        var newestFirst = complete.OrderByDescending(takenAt).ToList();
        if (newestFirst.Count == 0)
        {
            return [];
        }

        var expired = KeepCount is { } keep
            ? newestFirst.Skip(keep)
            : newestFirst.Where(b => now - takenAt(b) > KeepFor!.Value);

        var kept = new List<T> { newestFirst[0] };
        if (isVerified is not null && newestFirst.FirstOrDefault(isVerified) is { } newestVerified)
        {
            kept.Add(newestVerified);
        }

        return expired.Where(b => !kept.Any(k => Equals(k, b))).ToList();
    }
}
