namespace CausalEval.Dr.Core.Topology;

public enum RegionRole { Primary, Secondary, DisasterRecovery }

/// <summary>One region of the deployment: where it is, what it runs, and at what share of full capacity.</summary>
public sealed record Region(string Name, RegionRole Role, string Location, IReadOnlyList<string> Services, int CapacityPercent);

/// <summary>The multi-region deployment the DR orchestrations protect.</summary>
public sealed record RegionTopology(IReadOnlyList<Region> Regions)
{
    /// <summary>The seed's "Multi-Region Deployment" table.</summary>
    public static RegionTopology Seed { get; } = new([
        new("primary", RegionRole.Primary, "us-east-1", ["api", "database", "cache", "worker"], 100),
        new("secondary", RegionRole.Secondary, "us-west-2", ["api", "database-replica", "cache", "worker"], 50),
        new("disaster_recovery", RegionRole.DisasterRecovery, "eu-west-1", ["cold-standby"], 25),
    ]);

    public Region Primary => Single(RegionRole.Primary);

    public Region Secondary => Single(RegionRole.Secondary);

    /// <summary>Names every problem at once, so a user fixes a topology file in one pass.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var role in new[] { RegionRole.Primary, RegionRole.Secondary })
        {
            var count = Regions.Count(r => r.Role == role);
            if (count != 1)
            {
                errors.Add($"regions: expected exactly one {role.ToString().ToLowerInvariant()} region, found {count}");
            }
        }

        foreach (var dup in Regions.GroupBy(r => r.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"regions: duplicate region name '{dup.Key}'");
        }

        foreach (var r in Regions.Where(r => r.CapacityPercent is <= 0 or > 100))
        {
            errors.Add($"regions.{r.Name}.capacity: {r.CapacityPercent}% is outside 1..100");
        }

        return errors;
    }

    private Region Single(RegionRole role) =>
        Regions.SingleOrDefault(r => r.Role == role)
        ?? throw new InvalidOperationException($"topology has no single {role} region");
}
