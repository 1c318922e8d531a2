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
