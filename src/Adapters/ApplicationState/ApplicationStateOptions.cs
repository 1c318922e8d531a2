using CausalEval.Dr.Core.Errors;
namespace CausalEval.Dr.Adapters.ApplicationState;

/// <summary>Where the workload keeps the state the seed backs up every 30 min (section "ApplicationState").</summary>
public sealed class ApplicationStateOptions
{
    public const string Section = "ApplicationState";

    /// <summary>host:port of the Redis master holding sessions and the evaluation queue.</summary>
    public string Redis { get; set; } = "";

    public string SessionPattern { get; set; } = "session:*";

    public string QueueKey { get; set; } = "evaluation-queue";

    public string ModelCacheDirectory { get; set; } = "";

    /// <summary>Where each region's instances keep the state when that region serves (a restore into a recovered region writes there).</summary>
    public Dictionary<string, RegionApplicationState> Regions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The options for restoring into <paramref name="region"/>: its own Redis and model cache where declared.</summary>
    public ApplicationStateOptions ForRegion(string region)
    {
        if (!Regions.TryGetValue(region, out var there))
        {
            throw new DrConfigurationException($"{Section}:Regions:{region} is not set: where region {region} keeps sessions, the queue and the model cache");
        }

        return new ApplicationStateOptions
        {
            Redis = there.Redis, SessionPattern = SessionPattern, QueueKey = QueueKey, ModelCacheDirectory = there.ModelCacheDirectory,
        };
    }

    public void EnsureValid()
    {
        var missing = new[] { (nameof(Redis), Redis), (nameof(ModelCacheDirectory), ModelCacheDirectory) }
            .Where(x => string.IsNullOrWhiteSpace(x.Item2)).Select(x => $"{Section}:{x.Item1}").ToList();
        if (missing.Count > 0)
        {
            throw new DrConfigurationException($"{string.Join(" and ", missing)} not set: configure where the application state lives");
        }
    }
}

public sealed class RegionApplicationState
{
    /// <summary>host:port of the region's Redis.</summary>
    public string Redis { get; set; } = "";

    public string ModelCacheDirectory { get; set; } = "";
}
