using CausalEval.Dr.Core.Retention;

namespace CausalEval.Dr.Tests.Core;

public sealed class RetentionPolicy_test
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static List<DateTimeOffset> HoursAgo(params int[] hours) => hours.Select(h => Now.AddHours(-h)).ToList();

    [Fact]
    public void Count_policy_deletes_all_but_the_newest_n()
    {
        var backups = HoursAgo(30, 6, 24, 12, 18);
        var deleted = RetentionPolicy.Count(3).SelectForDeletion(backups, b => b, Now);
        Assert.Equal(HoursAgo(24, 30), deleted.Order().Reverse().ToList());
    }

    [Fact]
    public void Age_policy_deletes_what_is_older_than_the_window()
    {
        var backups = HoursAgo(1, 47, 49, 100);
        var deleted = RetentionPolicy.Age(TimeSpan.FromDays(2)).SelectForDeletion(backups, b => b, Now);
        Assert.Equal(HoursAgo(49, 100), deleted.OrderDescending().ToList());
    }

    [Fact]
    public void The_newest_backup_survives_even_when_every_backup_is_expired()
    {
        var backups = HoursAgo(500, 400);
        var deleted = RetentionPolicy.Age(TimeSpan.FromDays(1)).SelectForDeletion(backups, b => b, Now);
        Assert.Equal(HoursAgo(500), deleted);
    }

    [Fact]
    public void The_newest_verified_backup_survives_even_when_the_policy_expires_it()
    {
        var backups = HoursAgo(1, 5, 9, 13);
        var verified = Now.AddHours(-9);
        var deleted = RetentionPolicy.Count(1).SelectForDeletion(backups, b => b, Now, b => b == verified || b == Now.AddHours(-13));
        Assert.Equal(HoursAgo(5, 13), deleted.OrderDescending().ToList());
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(null, null)]
    [InlineData(3, 2.0)]
    public void Invalid_policies_are_refused(int? keepCount, double? keepDays)
    {
        var policy = new RetentionPolicy(keepCount, keepDays is { } d ? TimeSpan.FromDays(d) : null);
        Assert.Throws<ArgumentException>(() => policy.SelectForDeletion(HoursAgo(1), b => b, Now));
    }
}
