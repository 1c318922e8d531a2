namespace CausalEval.Dr.Core.Objectives;

/// <summary>Service tiers and their recovery time objectives (seed: "Recovery Time Objective").</summary>
public enum ServiceTier { Critical, Standard, NonCritical, FullSystem }

/// <summary>Classes of data and their recovery point objectives (seed: "Recovery Point Objective").</summary>
public enum DataClass { Database, FileStorage, Configuration, CodeRepositories }

/// <summary>
/// The seed's RTO/RPO numbers. They are requirements: drills and reports are judged against them (the failover
/// and drills issues read them; nothing does yet).
/// </summary>
public static class RecoveryObjectives
{
    public static TimeSpan RtoFor(ServiceTier tier) => tier switch
    {
        ServiceTier.Critical => TimeSpan.FromMinutes(15),
        ServiceTier.Standard => TimeSpan.FromHours(1),
        ServiceTier.NonCritical => TimeSpan.FromHours(4),
        ServiceTier.FullSystem => TimeSpan.FromHours(24),
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "unknown service tier"),
    };

    /// <summary>Code repositories are "real-time" (distributed Git): zero tolerated loss.</summary>
    public static TimeSpan RpoFor(DataClass data) => data switch
    {
        DataClass.Database => TimeSpan.FromMinutes(5),
        DataClass.FileStorage => TimeSpan.FromMinutes(15),
        DataClass.Configuration => TimeSpan.FromHours(1),
        DataClass.CodeRepositories => TimeSpan.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(data), data, "unknown data class"),
    };

    public static bool MeetsRto(ServiceTier tier, TimeSpan measured) => measured <= RtoFor(tier);

    public static bool MeetsRpo(DataClass data, TimeSpan measuredLoss) => measuredLoss <= RpoFor(data);
}
