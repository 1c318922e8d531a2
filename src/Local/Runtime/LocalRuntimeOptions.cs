namespace CausalEval.Dr.Local.Runtime;

/// <summary>Settings of the durable local runtime (section "Runtime").</summary>
public sealed class LocalRuntimeOptions
{
    public const string Section = "Runtime";

    public string TaskHubName { get; set; } = "drlocal";

    /// <summary>Stable across restarts: a new id would wait for the old one's partition lease to expire.</summary>
    public string WorkerId { get; set; } = $"dr-{Environment.MachineName}";

    public int PartitionCount { get; set; } = 1;

    /// <summary>
    /// How long a dequeued message (an activity, or an orchestration's step) stays hidden while it is
    /// processed. If the host dies mid-step, the work is picked up again after this long (Azure's default
    /// is 5 min; locally we want a quick resume). Running work renews it, so it does not bound duration.
    /// </summary>
    public int WorkItemVisibilityTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Longest wait between polls of an idle queue: short enough that a step does not wait for its
    /// message, at a small idle cost (figures in docs/benchmarks.md, "Orchestration overhead").
    /// </summary>
    public int MaxQueuePollingIntervalMs { get; set; } = 20;
}
