using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Retention;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>
/// The retention a run applies to a kind: what its input says, else <c>Retention:{Kind}:KeepCount</c> or
/// <c>KeepDays</c> from settings, else the seed's. Resolved in the activity, so manual and scheduled runs
/// apply the same configured policy; the outcome says which policy it was.
/// </summary>
public static class RetentionSettings
{
    public static RetentionPolicy For(BackupKind kind, IConfiguration configuration, int? keepCount = null, double? keepDays = null)
    {
        if (keepCount is not null || keepDays is not null)
        {
            return Checked(new RetentionPolicy(keepCount, Days(keepDays, "keepDays")), "input");
        }

        var section = configuration.GetSection($"Retention:{kind.SettingName}");
        var (count, days) = (section.GetValue<int?>("KeepCount"), section.GetValue<double?>("KeepDays"));
        return count is null && days is null ? kind.SeedRetention : Checked(new RetentionPolicy(count, Days(days, $"{section.Path}:KeepDays")), section.Path);
    }

    /// <summary>Database incrementals (<c>Retention:DatabaseIncremental:KeepDays</c>, default the seed's 7 days); full backups keep
    /// <see cref="For"/>'s database policy.</summary>
    public static RetentionPolicy Incrementals(IConfiguration configuration, double? keepDays = null)
    {
        var days = keepDays ?? configuration.GetValue<double?>("Retention:DatabaseIncremental:KeepDays") ?? 7;
        return days > 0 ? Checked(new RetentionPolicy(KeepFor: Days(days, "Retention:DatabaseIncremental:KeepDays")), "Retention:DatabaseIncremental")
            : throw new DrConfigurationException($"Retention:DatabaseIncremental:KeepDays: {days} must be positive");
    }

    /// <summary>
    /// How old an unfinished upload's last write must be before retention removes it
    /// (<c>Retention:UnfinishedGraceMinutes</c>, default 60): an upload still in flight keeps writing parts.
    /// </summary>
    public static TimeSpan UnfinishedGrace(IConfiguration configuration) =>
        configuration.GetValue<double?>("Retention:UnfinishedGraceMinutes") is { } minutes
            ? minutes >= 0 ? TimeSpan.FromMinutes(minutes) : throw new DrConfigurationException($"Retention:UnfinishedGraceMinutes {minutes} is negative")
            : TimeSpan.FromMinutes(60);

    /// <summary>Days as a span, bounded (100 years): a larger number would overflow TimeSpan after the backup was already taken.</summary>
    private static TimeSpan? Days(double? days, string where) => days switch
    {
        null => null,
        > Core.Requests.RequestLimits.MaxDays => throw new DrConfigurationException($"{where}: {days} is more than {Core.Requests.RequestLimits.MaxDays} days"),
        { } d => TimeSpan.FromDays(d),
    };

    private static RetentionPolicy Checked(RetentionPolicy policy, string where)
    {
        try
        {
            policy.EnsureValid();
            return policy;
        }
        catch (ArgumentException e) when (where != "input")
        {
            throw new DrConfigurationException($"{where}: {e.Message}");
        }
    }
}
